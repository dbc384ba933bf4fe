import { TaskAbortedError } from '../errors.js';
import type { Execution, RunInput, RunResult, RunSink, StopReason } from '../executor.js';
import type { HostAllowList } from './allow-hosts.js';
import {
  networkFailure,
  permanentFailure,
  responseResult,
  stoppedResult,
  type BodyLimits,
} from './outcome.js';
import { buildRequest, InvalidRequestError } from './request.js';
import { RefusedRequestError, send } from './send.js';

const RESOLVED: Promise<void> = Promise.resolve();

/** The settings of one attempt, resolved from the executor's options. */
export interface HttpLimits extends BodyLimits {
  allowList: HostAllowList | null;
  maxRedirects: number;
}

/**
 * One attempt of an `http` task: one request (and its redirects), aborted by `stop()`.
 *
 * Pause and resume do nothing: a request in flight cannot be suspended, and holding back its
 * answer would gain nothing, since the server has done the work. `pause()` resolves at once; the
 * call carries on and its outcome is reported as usual.
 *
 * A stop made before the outcome is known settles `done` with the stop's result (`cancelled`,
 * or a `TIMEOUT` failure), even though the server may have acted on the request already;
 * the `Idempotency-Key` header lets it recognise a later attempt.
 */
export class HttpExecution implements Execution {
  readonly done: Promise<RunResult>;
  private readonly controller = new AbortController();
  private stopReason: StopReason | null = null;
  private settled = false;

  constructor(input: RunInput, sink: RunSink, limits: HttpLimits) {
    this.done = this.run(input, sink, limits).then((result) => {
      this.settled = true;
      return result;
    });
  }

  pause(): Promise<void> {
    return RESOLVED;
  }

  resume(): Promise<void> {
    return RESOLVED;
  }

  /** Aborts the request; `done` settles with the stop's result. A second stop does nothing. */
  stop(reason: StopReason): void {
    if (this.settled || this.stopReason !== null) return;
    this.stopReason = reason;
    this.controller.abort(new TaskAbortedError(reason));
  }

  private async run(input: RunInput, sink: RunSink, limits: HttpLimits): Promise<RunResult> {
    try {
      const request = buildRequest(input);
      const response = await send(request, {
        allowList: limits.allowList,
        maxRedirects: limits.maxRedirects,
        signal: this.controller.signal,
      });
      return await responseResult(response, limits, sink);
    } catch (err) {
      if (this.stopReason !== null) return stoppedResult(this.stopReason);
      if (err instanceof InvalidRequestError) return permanentFailure(err.message, 'INVALID_SPEC');
      if (err instanceof RefusedRequestError) {
        return permanentFailure(err.message, err.code, { host: err.host });
      }
      return networkFailure(err);
    }
  }
}
