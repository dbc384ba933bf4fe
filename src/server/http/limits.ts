import { ChronoqError } from '../../protocol/errors.js';
import { jsonBytes } from '../../protocol/input-guards.js';

/** Sustained requests per second per token, and how many may come at once. */
export interface RateLimit {
  /** Requests per second, sustained. */
  perSecond: number;
  /** Requests allowed at once (the bucket's size). */
  burst: number;
}

/** What one request (or one worker message) may cost the server. */
export interface ApiLimits {
  /** Largest request body in bytes; larger is a 413 before it is parsed (default 1 MiB). */
  bodyBytes: number;
  /** Largest task payload as JSON in bytes; larger is a 413 (default 256 KiB). */
  payloadBytes: number;
  /** Largest page a listing may ask for with `limit` (default 1000; the default page is 50). */
  pageSize: number;
  /** Largest WebSocket message a worker may send in bytes (default 4 MiB; larger ends the session, code 1009). */
  workerMessageBytes: number;
  /** Per-token rate limit; null for none (default 100 requests/s, bursts of 200). */
  rateLimit: RateLimit | null;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 100, burst: 200 };

export const DEFAULT_LIMITS: ApiLimits = {
  bodyBytes: 1024 * 1024,
  payloadBytes: 256 * 1024,
  pageSize: 1000,
  workerMessageBytes: 4 * 1024 * 1024,
  rateLimit: DEFAULT_RATE_LIMIT,
};

/** The page listings use when `limit` is not given. */
export const DEFAULT_PAGE = 50;

/** Limits with every default applied; refuses values that cannot work. */
export function compileLimits(given: Partial<ApiLimits> = {}): ApiLimits {
  const l: ApiLimits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(given) as [keyof ApiLimits, unknown][]) {
    if (v !== undefined) (l as unknown as Record<string, unknown>)[k] = v;
  }
  for (const k of ['bodyBytes', 'payloadBytes', 'pageSize', 'workerMessageBytes'] as const) {
    if (!Number.isSafeInteger(l[k]) || l[k] < 1) {
      throw new TypeError(`limits.${k}: must be a positive integer, got ${String(l[k])}`);
    }
  }
  if (l.rateLimit !== null) {
    const { perSecond, burst } = l.rateLimit;
    if (!(perSecond > 0) || !Number.isFinite(perSecond) || !(burst >= 1)) {
      throw new TypeError('limits.rateLimit: perSecond must be > 0 and burst at least 1');
    }
  }
  return l;
}

/** Throw a 413 naming `field` when `payload` is larger than the limit as JSON. */
export function checkPayloadSize(payload: unknown, field: string, limits: ApiLimits): void {
  const bytes = jsonBytes(payload);
  if (bytes > limits.payloadBytes) {
    throw new ChronoqError(
      'too_large',
      `${field}: ${bytes} bytes of JSON, more than the limit of ${limits.payloadBytes}`,
      field,
    );
  }
}

/** The page size a listing asked for, within the limit (400 naming `limit` past it). */
export function pageSize(asked: number | undefined, limits: ApiLimits): number {
  if (asked === undefined) return Math.min(DEFAULT_PAGE, limits.pageSize);
  if (asked > limits.pageSize) {
    throw new ChronoqError(
      'invalid',
      `limit: must be at most ${limits.pageSize} on this server`,
      'limit',
    );
  }
  return asked;
}
