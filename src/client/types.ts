import type { TaskStateName } from '../protocol/views.js';
import type { FetchLike } from './http.js';

export interface ChronoqClientOptions {
  /** Server root. Default: `CHRONOQ_URL`, else `http://127.0.0.1:7070`. */
  url?: string;
  /** API token, sent as `Authorization: Bearer`. Default: `CHRONOQ_TOKEN`. */
  token?: string;
  /** The fetch implementation. Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Who acts, recorded in task histories (sent as `x-chronoq-actor`). */
  actor?: string;
  /**
   * Send the `submit` calls made in the same turn of the event loop (concurrent callers) as one
   * `POST /tasks/batch`, up to 1,000 tasks each: many times the throughput of one request per
   * task. Each call still resolves to its own task, or rejects with its own error (a batch
   * refused for one task's input is sent again task by task). The tasks of one batch share one
   * submit span in traces; a submit with `traceparent` is always sent alone. Default: false.
   */
  batchSubmits?: boolean;
}

/** Options of `submit` and `submitBatch`. */
export interface SubmitOptions {
  /**
   * The W3C `traceparent` of your current span (for instance from OpenTelemetry's
   * `propagation.inject`): the spans of the task's submit, placement and execution become its
   * children, and the task keeps it.
   */
  traceparent?: string;
  /** The W3C `tracestate` that goes with `traceparent`. */
  tracestate?: string;
}

/** Filters of `list`. `state` is one state, a comma list, or an array of states. */
export interface TaskListOptions {
  state?: TaskStateName | TaskStateName[] | string;
  queue?: string;
  type?: string;
  workflowId?: string;
  /** `key=value`. */
  label?: string;
  /** Page size, 1 to 1000 (server default 50). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface WaitOptions {
  /** Give up after this long (throws `ChronoqTimeoutError`). Default: wait for ever. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface LogsOptions {
  /** Only this attempt's lines. */
  attempt?: number;
  /** Only lines after this sequence number. */
  after?: number;
}

export interface FollowLogsOptions extends LogsOptions {
  /** Stops the stream; the iterator then ends quietly. */
  signal?: AbortSignal;
}

/** What `GET /healthz` answers. */
export interface HealthView {
  status: string;
}
