import type { TaskError } from '../../domain/task.js';
import type { RunResult, RunSink, StopReason } from '../executor.js';
import { readPrefix } from './read-body.js';

/** How much of a response body becomes the result, or goes into an error. */
export interface BodyLimits {
  maxResultBytes: number;
  maxErrorBodyBytes: number;
}

/** The result of an attempt that was stopped: a failure for a timeout, else `cancelled`. */
export function stoppedResult(reason: StopReason): RunResult {
  if (reason === 'timeout') {
    return {
      kind: 'failed',
      error: { message: 'attempt timed out', code: 'TIMEOUT' },
      retryable: true,
    };
  }
  return { kind: 'cancelled' };
}

/** A failure that another attempt would meet again: a bad spec, a refused host. */
export function permanentFailure(message: string, code: string, extra = {}): RunResult {
  return { kind: 'failed', error: { message, code, ...extra }, retryable: false };
}

/**
 * The result of a response. 2xx succeeds with the body: parsed when it is JSON, else the text,
 * null when empty. 408, 429 and 5xx fail retryably; anything else fails for good.
 */
export async function responseResult(
  response: Response,
  limits: BodyLimits,
  sink: RunSink,
): Promise<RunResult> {
  const { status } = response;
  if (status >= 200 && status < 300) {
    const body = await readPrefix(response, limits.maxResultBytes);
    if (body.truncated) {
      sink.log('log', `response body longer than ${limits.maxResultBytes} bytes: result truncated`);
      return { kind: 'succeeded', result: body.text };
    }
    return { kind: 'succeeded', result: parseBody(body.text, response.headers) };
  }
  const body = await readPrefix(response, limits.maxErrorBodyBytes);
  const error: TaskError = {
    message: `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`,
    code: `HTTP_${status}`,
    status,
    body: body.text,
  };
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  if (retryAfterMs !== null) error.retryAfterMs = retryAfterMs;
  const retryable = status === 408 || status === 429 || status >= 500;
  return { kind: 'failed', error, retryable };
}

/** The result of a request that got no response (refused, reset, DNS): retryable. */
export function networkFailure(err: unknown): RunResult {
  const error: TaskError = { message: String(err), code: 'NETWORK_ERROR' };
  if (err instanceof Error) {
    const cause = err.cause as { message?: unknown; code?: unknown } | undefined;
    error.message =
      typeof cause?.message === 'string' && cause.message !== ''
        ? `${err.message}: ${cause.message}`
        : err.message;
    if (typeof cause?.code === 'string') error.cause = cause.code;
  }
  return { kind: 'failed', error, retryable: true };
}

function parseBody(text: string, headers: Headers): unknown {
  if (text === '') return null;
  if (!isJson(headers.get('content-type'))) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** `application/json`, or any `…+json` type. */
function isJson(contentType: string | null): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json');
}

/** `Retry-After` in milliseconds from now (seconds or an HTTP date), or null. */
function parseRetryAfter(value: string | null): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}
