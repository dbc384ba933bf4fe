import { formatDuration } from '../protocol/duration.js';
import type { WorkflowPage, WorkflowView } from '../protocol/views.js';
import {
  parseWorkflowSpec,
  workflowListQuerySchema,
  type WorkflowSpec,
} from '../protocol/workflow-spec.js';
import { ChronoqTimeoutError, ChronoqValidationError } from './errors.js';
import { toApiError, type HttpTransport } from './http.js';
import { sleep } from './sleep.js';
import type { WaitOptions } from './types.js';
import { validate } from './validate.js';

const V1 = '/api/v1';
const SLICE_MS = 30_000;
const TERMINAL = new Set(['succeeded', 'failed', 'compensated', 'cancelled']);

export interface WorkflowListOptions {
  state?: WorkflowView['state'];
  /** Page size, 1 to 500 (server default 50). */
  limit?: number;
  cursor?: string;
}

/** The workflow half of the client: `client.workflows.run(spec)` and friends. */
export class WorkflowClient {
  constructor(private readonly http: HttpTransport) {}

  /** Start a workflow. The spec is checked first (graph included), as the API would. */
  async run(spec: WorkflowSpec): Promise<WorkflowView> {
    try {
      parseWorkflowSpec(spec);
    } catch (err) {
      const e = err as { message: string; field?: string };
      throw new ChronoqValidationError(e.message, e.field);
    }
    return this.http.json<WorkflowView>('POST', `${V1}/workflows`, { body: spec });
  }

  /** A workflow with every step's state and the graph's edges. */
  get(id: string): Promise<WorkflowView> {
    return this.http.json<WorkflowView>('GET', path(id));
  }

  /** One page of workflows, newest first. */
  list(o: WorkflowListOptions = {}): Promise<WorkflowPage> {
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(o)) if (v !== undefined) query[k] = String(v);
    validate(workflowListQuerySchema, query);
    return this.http.json<WorkflowPage>('GET', `${V1}/workflows`, { query });
  }

  /** Cancel a workflow: running steps are cancelled, the rest skipped (409 once it ended). */
  cancel(id: string): Promise<WorkflowView> {
    return this.http.json<WorkflowView>('POST', `${path(id)}/cancel`);
  }

  /**
   * Resolve once the workflow has ended (succeeded, failed, compensated, cancelled). Throws
   * `ChronoqTimeoutError` after `timeoutMs`.
   */
  async wait(id: string, o: WaitOptions = {}): Promise<WorkflowView> {
    const started = Date.now();
    const deadline = o.timeoutMs === undefined ? Infinity : started + o.timeoutMs;
    for (;;) {
      const sliceStart = Date.now();
      const slice = Math.max(0, Math.min(SLICE_MS, deadline - sliceStart));
      const answer = await this.http.send('GET', `${path(id)}/wait`, {
        query: { timeoutMs: Math.round(slice) },
        signal: o.signal,
      });
      if (answer.status === 200) return answer.body as WorkflowView;
      if (answer.status !== 408) throw toApiError(answer);
      const last = (answer.body as { workflow?: WorkflowView } | null)?.workflow ?? null;
      if (last && TERMINAL.has(last.state)) return last;
      const now = Date.now();
      if (now >= deadline) {
        throw new ChronoqTimeoutError(
          `workflow ${id} did not finish within ${formatDuration(now - started)}` +
            (last ? ` (still ${last.state})` : ''),
          null,
        );
      }
      // A server that answers long before the slice is up is not waiting: do not spin.
      if (now - sliceStart < slice / 2) await sleep(Math.min(250, deadline - now), o.signal);
      o.signal?.throwIfAborted();
    }
  }
}

function path(id: string): string {
  return `${V1}/workflows/${encodeURIComponent(id)}`;
}
