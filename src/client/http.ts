import { isErrorBody } from '../protocol/errors.js';
import { ChronoqApiError, ChronoqNetworkError } from './errors.js';
import type { Exchange, ExchangeRequest } from './exchange.js';

/** The `fetch` the client calls: the global one by default, a stub in tests. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Query values: absent ones are left out, arrays are joined with commas. */
export type QueryValues = Record<string, string | number | boolean | string[] | undefined>;

export interface RequestOptions {
  query?: QueryValues;
  /** A JSON body. */
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** An answer, whatever its status. */
export interface RawAnswer {
  status: number;
  body: unknown;
}

export interface HttpOptions {
  /** Server root, e.g. `http://127.0.0.1:7070`. */
  baseUrl: string;
  token?: string;
  /** Sent as `x-chronoq-actor`, recorded in task histories. */
  actor?: string;
  /** Streams (server-sent events) go through it. */
  fetch: FetchLike;
  /** Every other request goes through it. */
  exchange: Exchange;
}

/**
 * Calls one Chronoq server: adds the token, sends and parses JSON, and turns error bodies into
 * `ChronoqApiError` and transport failures into `ChronoqNetworkError`.
 */
export class HttpTransport {
  readonly baseUrl: string;
  private readonly opts: HttpOptions;

  constructor(opts: HttpOptions) {
    this.opts = opts;
    this.baseUrl = normalizeBaseUrl(opts.baseUrl);
  }

  /** The absolute URL of `path` (relative to the server root) with its query. */
  url(path: string, query?: QueryValues): string {
    const qs = query ? queryString(query) : '';
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  /** Fetch `path`; resolves with the raw response of any status, rejects only on no answer. */
  fetch(method: string, path: string, o: RequestOptions = {}): Promise<Response> {
    return this.call(path, method, o, (url, req) => this.opts.fetch(url, req));
  }

  /** Send and parse the JSON answer, whatever its status. */
  async send(method: string, path: string, o: RequestOptions = {}): Promise<RawAnswer> {
    const { status, text } = await this.call(path, method, o, this.opts.exchange);
    let body: unknown = text;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text for the error message
      }
    } else {
      body = null;
    }
    return { status, body };
  }

  private async call<T>(
    path: string,
    method: string,
    o: RequestOptions,
    send: (url: string, req: ExchangeRequest) => Promise<T>,
  ): Promise<T> {
    const url = this.url(path, o.query);
    const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    if (this.opts.actor) headers['x-chronoq-actor'] = this.opts.actor;
    let body: string | undefined;
    if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    try {
      return await send(url, { method, headers, body, signal: o.signal });
    } catch (err) {
      if (o.signal?.aborted) throw err;
      throw new ChronoqNetworkError(url, err);
    }
  }

  /** Send and return the JSON of a 2xx answer; throw `ChronoqApiError` for any other. */
  async json<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const answer = await this.send(method, path, o);
    if (answer.status >= 200 && answer.status < 300) return answer.body as T;
    throw toApiError(answer);
  }
}

/** The error an unsuccessful answer stands for. */
export function toApiError(answer: RawAnswer): ChronoqApiError {
  if (isErrorBody(answer.body)) {
    const e = answer.body.error;
    return new ChronoqApiError(answer.status, e.code, e.message, e.field);
  }
  const text = typeof answer.body === 'string' ? answer.body.trim().slice(0, 200) : '';
  return new ChronoqApiError(
    answer.status,
    answer.status >= 500 ? 'internal' : 'http_error',
    `HTTP ${answer.status}${text ? `: ${text}` : ''}`,
  );
}

/** Drop trailing slashes and a trailing `/api/v1`, so either form of the URL works. */
export function normalizeBaseUrl(url: string): string {
  let u = url.trim().replace(/\/+$/, '');
  if (u.endsWith('/api/v1')) u = u.slice(0, -'/api/v1'.length);
  return u;
}

export function queryString(query: QueryValues): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    params.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  return params.toString();
}
