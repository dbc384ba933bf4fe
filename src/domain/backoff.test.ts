import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffDelay } from './backoff.js';
import type { BackoffPolicy } from './task.js';

const exp = (over: Partial<BackoffPolicy> = {}): BackoffPolicy => ({
  kind: 'exponential',
  initialMs: 1000,
  maxMs: 60_000,
  jitter: 0,
  ...over,
});

describe('backoffDelay', () => {
  it('exponential: doubles from initialMs with each failure', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(exp(), n, 0.5));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000]);
  });

  it('exponential: stops at maxMs', () => {
    expect(backoffDelay(exp(), 7, 0.5)).toBe(60_000); // 64 000 capped
    expect(backoffDelay(exp(), 20, 0.5)).toBe(60_000);
    expect(backoffDelay(exp({ initialMs: 90_000 }), 1, 0.5)).toBe(60_000);
  });

  it('failure counts below 1 count as the first retry', () => {
    expect(backoffDelay(exp(), 0, 0.5)).toBe(1000);
    expect(backoffDelay(exp(), -5, 0.5)).toBe(1000);
  });

  it('fixed: the same delay every time, still capped', () => {
    const fixed = exp({ kind: 'fixed', initialMs: 2500 });
    expect([1, 2, 3, 50].map((n) => backoffDelay(fixed, n, 0.5))).toEqual([2500, 2500, 2500, 2500]);
    expect(backoffDelay({ ...fixed, initialMs: 70_000 }, 1, 0.5)).toBe(60_000);
  });

  it('zero delays stay zero', () => {
    expect(backoffDelay(exp({ initialMs: 0 }), 10, 0.9)).toBe(0);
    expect(backoffDelay(exp({ kind: 'fixed', initialMs: 0, jitter: 1 }), 1, 0.99)).toBe(0);
  });

  it('jitter spreads the delay by up to ±jitter around it', () => {
    const p = exp({ jitter: 0.2 });
    // failure 3 → 4000 ms; 20% jitter → [3200, 4800]
    expect(backoffDelay(p, 3, 0)).toBe(3200);
    expect(backoffDelay(p, 3, 0.5)).toBe(4000);
    expect(backoffDelay(p, 3, 0.75)).toBe(4400);
    expect(backoffDelay(p, 3, 0.999_999)).toBe(4800);
  });

  it('full jitter (1): from 0 up to twice the delay, never negative', () => {
    const p = exp({ jitter: 1 });
    expect(backoffDelay(p, 2, 0)).toBe(0);
    expect(backoffDelay(p, 2, 0.999_999)).toBe(4000);
    expect(backoffDelay(p, 2, 0.25)).toBe(1000);
  });

  it('jitter never pushes the delay above maxMs', () => {
    const p = exp({ jitter: 1 });
    expect(backoffDelay(p, 10, 0.999_999)).toBe(60_000);
    expect(backoffDelay(p, 10, 0)).toBe(0);
    expect(backoffDelay(p, 10, 0.5)).toBe(60_000);
  });

  it('stays inside [0, maxMs] and is a whole number over a sweep of inputs', () => {
    for (const kind of ['exponential', 'fixed'] as const) {
      for (const jitter of [0, 0.1, 0.5, 1]) {
        for (const n of [1, 2, 5, 10, 30, 53, 54, 100, 1e6]) {
          for (let i = 0; i < 20; i++) {
            const random = i / 20;
            const d = backoffDelay(exp({ kind, jitter, initialMs: 777 }), n, random);
            expect(Number.isInteger(d)).toBe(true);
            expect(d).toBeGreaterThanOrEqual(0);
            expect(d).toBeLessThanOrEqual(60_000);
          }
        }
      }
    }
  });

  it('huge attempt numbers do not overflow to Infinity or NaN', () => {
    const big = exp({ initialMs: 10 * 365 * 86_400_000, maxMs: 10 * 365 * 86_400_000 });
    for (const n of [1000, 1e9, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE]) {
      expect(backoffDelay(exp(), n, 0.5)).toBe(60_000);
      expect(backoffDelay(big, n, 0.5)).toBe(315_360_000_000);
    }
  });

  it('the default policy: 1 s doubling to 5 min with 20% jitter', () => {
    expect(DEFAULT_BACKOFF).toEqual({
      kind: 'exponential',
      initialMs: 1000,
      maxMs: 300_000,
      jitter: 0.2,
    });
    expect(backoffDelay(DEFAULT_BACKOFF, 1, 0.5)).toBe(1000);
    expect(backoffDelay(DEFAULT_BACKOFF, 1, 0)).toBe(800);
    expect(backoffDelay(DEFAULT_BACKOFF, 9, 0.5)).toBe(256_000);
    expect(backoffDelay(DEFAULT_BACKOFF, 10, 0.5)).toBe(300_000);
  });
});
