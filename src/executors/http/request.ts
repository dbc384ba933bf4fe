import type { ExecutorSpec } from '../../domain/task.js';
import type { RunInput } from '../executor.js';

type HttpSpec = Extract<ExecutorSpec, { kind: 'http' }>;

/** What `fetch` is called with (before redirects change it). */
export interface HttpRequest {
  url: URL;
  method: string;
  headers: Headers;
  body: string | undefined;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const NO_BODY = new Set(['GET', 'HEAD']);

/** Thrown for a spec that cannot become a request; another attempt would not help. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
}

/**
 * The request for one attempt: the payload as a JSON body (none for GET and HEAD), content-type
 * `application/json` unless the spec's headers give one, and `Idempotency-Key: <taskId>:<attempt>`
 * unless the spec's headers give one.
 */
export function buildRequest(input: RunInput): HttpRequest {
  const spec = input.executor;
  if (spec.kind !== 'http') {
    throw new InvalidRequestError(`the http executor cannot run a ${spec.kind} task`);
  }
  const url = parseUrl(spec);
  const method = String(spec.method ?? 'POST').toUpperCase();
  if (!TOKEN.test(method) || FORBIDDEN_METHODS.has(method)) {
    throw new InvalidRequestError(`invalid HTTP method ${JSON.stringify(spec.method)}`);
  }
  let headers: Headers;
  try {
    headers = new Headers(spec.headers ?? {});
  } catch (err) {
    throw new InvalidRequestError(`invalid headers: ${(err as Error).message}`);
  }
  if (!headers.has('idempotency-key')) {
    headers.set('idempotency-key', `${input.taskId}:${input.attempt}`);
  }
  let body: string | undefined;
  if (!NO_BODY.has(method)) {
    body = JSON.stringify(input.payload === undefined ? null : input.payload) ?? 'null';
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  return { url, method, headers, body };
}

function parseUrl(spec: HttpSpec): URL {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new InvalidRequestError(`invalid URL ${JSON.stringify(spec.url)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidRequestError(`URL scheme ${url.protocol} is not http or https`);
  }
  return url;
}
