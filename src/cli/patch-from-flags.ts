import type { QueuePatch } from '../client/index.js';
import { UsageError } from './exit.js';
import { parseIntFlag, parseRateFlag } from './flag-values.js';

/** The options of `queue set`, as typed. `none` clears `--concurrency` and `--rate`. */
export interface QueueFlags {
  concurrency?: string;
  rate?: string;
  keyConcurrency?: string;
  strategy?: string;
  maxAttempts?: string;
}

const STRATEGIES = ['least-loaded', 'round-robin', 'random', 'weighted'] as const;

/** Turn `queue set` flags into a queue patch; throws a `UsageError` naming the flag. */
export function patchFromFlags(f: QueueFlags): QueuePatch {
  const patch: QueuePatch = {};
  if (f.concurrency !== undefined) {
    patch.concurrency = isNone(f.concurrency) ? null : parseIntFlag('--concurrency', f.concurrency);
  }
  if (f.rate !== undefined)
    patch.rateLimit = isNone(f.rate) ? null : parseRateFlag('--rate', f.rate);
  if (f.keyConcurrency !== undefined) {
    patch.keyConcurrency = parseIntFlag('--key-concurrency', f.keyConcurrency);
  }
  if (f.strategy !== undefined) {
    const s = STRATEGIES.find((x) => x === f.strategy);
    if (!s) {
      throw new UsageError(
        `--strategy: "${f.strategy}" is not one of ${STRATEGIES.join(', ')}`,
        '--strategy',
      );
    }
    patch.strategy = s;
  }
  if (f.maxAttempts !== undefined) {
    patch.defaults = { maxAttempts: parseIntFlag('--max-attempts', f.maxAttempts) };
  }
  return patch;
}

function isNone(text: string): boolean {
  return text === 'none' || text === 'off';
}
