import type { ApiLimits } from '../server/index.js';
import { UsageError } from './exit.js';
import { parseIntFlag, parseRateFlag, parseSizeFlag } from './flag-values.js';

/** The limit flags of `chronoq server`, as Commander gives them. */
export interface LimitFlags {
  maxBody?: string;
  maxPayload?: string;
  maxPageSize?: string;
  maxWorkerMessage?: string;
  rateLimit?: string;
  rateBurst?: string;
}

/** The limit flags with their help: declared once, here. */
export const LIMIT_FLAGS: readonly [string, string][] = [
  ['--max-body <size>', 'largest request body, larger is a 413 (default 1MiB)'],
  ['--max-payload <size>', 'largest task payload as JSON, larger is a 413 (default 256KiB)'],
  ['--max-page-size <n>', 'largest page a listing may ask for (default 1000)'],
  ['--max-worker-message <size>', 'largest WebSocket message from a worker (default 4MiB)'],
  [
    '--rate-limit <N/INTERVAL|none>',
    'requests per token, e.g. 100/1s; a 429 with Retry-After past it (default 100/1s)',
  ],
  ['--rate-burst <n>', 'requests a token may make at once (default: twice the rate per second)'],
];

/** Limit flags → the limits they set (what is not given is left to the defaults). */
export function applyLimitFlags(f: LimitFlags): Partial<ApiLimits> {
  const l: Partial<ApiLimits> = {};
  if (f.maxBody !== undefined) l.bodyBytes = parseSizeFlag('--max-body', f.maxBody);
  if (f.maxPayload !== undefined) l.payloadBytes = parseSizeFlag('--max-payload', f.maxPayload);
  if (f.maxPageSize !== undefined) {
    const n = parseIntFlag('--max-page-size', f.maxPageSize);
    if (n < 1) throw new UsageError('--max-page-size: must be at least 1', '--max-page-size');
    l.pageSize = n;
  }
  if (f.maxWorkerMessage !== undefined) {
    l.workerMessageBytes = parseSizeFlag('--max-worker-message', f.maxWorkerMessage);
  }
  if (f.rateLimit !== undefined && f.rateLimit.trim().toLowerCase() === 'none') {
    if (f.rateBurst !== undefined) {
      throw new UsageError('--rate-burst: makes no sense with --rate-limit none', '--rate-burst');
    }
    l.rateLimit = null;
  } else if (f.rateLimit !== undefined || f.rateBurst !== undefined) {
    const rate = parseRateFlag('--rate-limit', f.rateLimit ?? '100/1s');
    const perSecond = (rate.count * 1000) / rate.intervalMs;
    let burst = Math.max(1, Math.ceil(perSecond * 2));
    if (f.rateBurst !== undefined) {
      burst = parseIntFlag('--rate-burst', f.rateBurst);
      if (burst < 1) throw new UsageError('--rate-burst: must be at least 1', '--rate-burst');
    }
    l.rateLimit = { perSecond, burst };
  }
  return l;
}
