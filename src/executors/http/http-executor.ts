import type { Executor, RunInput, RunSink } from '../executor.js';
import { HostAllowList } from './allow-hosts.js';
import { HttpExecution, type HttpLimits } from './execution.js';

/** Options of the `http` executor. */
export interface HttpExecutorOptions {
  /**
   * The hosts tasks may call, each a name optionally with a port (`api.example.com`,
   * `10.0.0.5:8080`, `[::1]:3000`); a name without a port allows any port. Checked on every
   * redirect too. Unset: any host.
   */
  allowHosts?: string[];
  /** Bytes of a 2xx body kept as the result (default 64 KiB); a longer body is cut, unparsed. */
  maxResultBytes?: number;
  /** Bytes of an error response's body kept in `error.body` (default 2 KiB). */
  maxErrorBodyBytes?: number;
  /** Redirects followed before the attempt fails (default 5). */
  maxRedirects?: number;
}

export const DEFAULT_MAX_RESULT_BYTES = 64 * 1024;
export const DEFAULT_MAX_ERROR_BODY_BYTES = 2 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;

/**
 * The `http` executor: calls `{ kind: 'http', url, method, headers? }` with the global `fetch`.
 *
 * The payload is the JSON body (none for GET and HEAD), with `content-type: application/json`
 * unless the spec's headers say otherwise, and `Idempotency-Key: <taskId>:<attempt>` unless they
 * give one. A 2xx response succeeds with its body (parsed if JSON); 408, 429, 5xx and network
 * errors fail retryably; other statuses, bad specs and hosts outside `allowHosts` fail for good.
 * Stop aborts the request. Pause does nothing (see `HttpExecution`).
 */
export class HttpExecutor implements Executor {
  readonly kind = 'http' as const;
  private readonly limits: HttpLimits;

  /** Throws a TypeError for an `allowHosts` entry that is not a host, RangeError for a bad limit. */
  constructor(options: HttpExecutorOptions = {}) {
    this.limits = {
      allowList: options.allowHosts === undefined ? null : new HostAllowList(options.allowHosts),
      maxResultBytes: count(options.maxResultBytes, DEFAULT_MAX_RESULT_BYTES, 'maxResultBytes'),
      maxErrorBodyBytes: count(
        options.maxErrorBodyBytes,
        DEFAULT_MAX_ERROR_BODY_BYTES,
        'maxErrorBodyBytes',
      ),
      maxRedirects: count(options.maxRedirects, DEFAULT_MAX_REDIRECTS, 'maxRedirects'),
    };
  }

  start(input: RunInput, sink: RunSink): HttpExecution {
    return new HttpExecution(input, sink, this.limits);
  }
}

function count(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a whole number >= 0, got ${String(value)}`);
  }
  return value;
}
