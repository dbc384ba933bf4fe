import type { TaskView } from '../protocol/views.js';

/**
 * An error answered by the Chronoq API (`{error: {code, message, field?}}`), or one the client
 * raised in its place with the same shape.
 */
export class ChronoqApiError extends Error {
  /** HTTP status of the answer (400, 401, 403, 404, 408, 409, 413, 429, 5xx). */
  readonly status: number;
  /** The API's error code: `invalid`, `unauthorized`, `not_found`, `conflict`, … */
  readonly code: string;
  /** The input field at fault, when the API names one (e.g. `delayMs`, `executor.url`). */
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ChronoqApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/**
 * Input refused by the client before it was sent: the same `invalid` error (status 400, code,
 * message, field) the API would have answered with.
 */
export class ChronoqValidationError extends ChronoqApiError {
  constructor(message: string, field?: string) {
    super(400, 'invalid', message, field);
    this.name = 'ChronoqValidationError';
  }
}

/** `wait` gave up: the task was not terminal before the timeout. */
export class ChronoqTimeoutError extends ChronoqApiError {
  /** The task as last seen, when the server sent it. */
  readonly task: TaskView | null;

  constructor(message: string, task: TaskView | null) {
    super(408, 'timeout', message);
    this.name = 'ChronoqTimeoutError';
    this.task = task;
  }
}

/** The server could not be reached (refused, reset, DNS, TLS): no HTTP answer at all. */
export class ChronoqNetworkError extends Error {
  /** The URL that was called. */
  readonly url: string;

  constructor(url: string, cause: unknown) {
    super(`cannot reach Chronoq at ${url}: ${describeCause(cause)}`, { cause });
    this.name = 'ChronoqNetworkError';
    this.url = url;
  }
}

/** The innermost useful reason of a fetch failure (`ECONNREFUSED`, `getaddrinfo ENOTFOUND x`). */
function describeCause(cause: unknown): string {
  let e: unknown = cause;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && !e.message.includes(code)
      ? `${code} ${e.message}`
      : e.message;
  }
  return String(e);
}
