import type { BackoffPolicy } from './task.js';

export const DEFAULT_BACKOFF: BackoffPolicy = {
  kind: 'exponential',
  initialMs: 1000,
  maxMs: 5 * 60_000,
  jitter: 0.2,
};

/**
 * Delay before retry number `failures` (1 for the first retry).
 * `random` is a number in [0, 1), passed in so the maths stays pure and testable.
 */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: number): number {
  const n = Math.max(1, failures);
  const base =
    policy.kind === 'fixed'
      ? policy.initialMs
      : policy.initialMs * Math.pow(2, Math.min(n - 1, 52));
  const capped = Math.min(base, policy.maxMs);
  const spread = capped * policy.jitter * (2 * random - 1);
  return Math.max(0, Math.min(policy.maxMs, Math.round(capped + spread)));
}
