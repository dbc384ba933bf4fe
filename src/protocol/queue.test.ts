import { describe, expect, it } from 'vitest';
import { ChronoqError } from './errors.js';
import { parseRate, queuePatchSchema, rateLimitSchema } from './queue.js';
import { parseInput } from './validate.js';

describe('parseRate', () => {
  it('reads N/INTERVAL', () => {
    expect(parseRate('100/1s')).toEqual({ count: 100, intervalMs: 1000 });
    expect(parseRate('5/m')).toEqual({ count: 5, intervalMs: 60_000 });
    expect(parseRate('10/500ms')).toEqual({ count: 10, intervalMs: 500 });
    expect(parseRate('100/s')).toEqual({ count: 100, intervalMs: 1000 });
    expect(parseRate('3/h')).toEqual({ count: 3, intervalMs: 3_600_000 });
    expect(parseRate('1/d')).toEqual({ count: 1, intervalMs: 86_400_000 });
    expect(parseRate('7/1m30s')).toEqual({ count: 7, intervalMs: 90_000 });
    expect(parseRate('2/ms')).toEqual({ count: 2, intervalMs: 1 });
    expect(parseRate(' 100/10s ')).toEqual({ count: 100, intervalMs: 10_000 });
  });

  it('reads a bare interval number as milliseconds', () => {
    expect(parseRate('5/250')).toEqual({ count: 5, intervalMs: 250 });
  });

  it('returns null for bad forms', () => {
    for (const text of [
      '',
      '100',
      '100/',
      '/1s',
      '0/1s',
      '5/0s',
      '5/0',
      '-5/1s',
      '1.5/s',
      '5/x',
      '5/1x',
      '5 / s',
      '5/ s',
      'five/s',
      '5/s/s',
      '5/-1s',
      '5//s',
    ]) {
      expect(parseRate(text), JSON.stringify(text)).toBeNull();
    }
  });
});

describe('queuePatchSchema', () => {
  it('accepts every field', () => {
    const patch = {
      concurrency: 10,
      rateLimit: { count: 100, intervalMs: 1000 },
      keyConcurrency: 2,
      strategy: 'round-robin',
      defaults: {
        maxAttempts: 5,
        timeoutMs: 60_000,
        priority: -3,
        backoff: { kind: 'fixed', initialMs: 100, maxMs: 100, jitter: 0 },
      },
    };
    expect(parseInput(queuePatchSchema, patch)).toEqual(patch);
    for (const strategy of ['least-loaded', 'round-robin', 'random', 'weighted']) {
      expect(parseInput(queuePatchSchema, { strategy })).toEqual({ strategy });
    }
  });

  it('null clears a limit; an absent field is left out', () => {
    expect(parseInput(queuePatchSchema, { concurrency: null, rateLimit: null })).toEqual({
      concurrency: null,
      rateLimit: null,
    });
    expect(parseInput(queuePatchSchema, {})).toEqual({});
    expect(parseInput(queuePatchSchema, { rateLimit: null })).not.toHaveProperty('concurrency');
  });

  function fieldOf(value: unknown): string | undefined {
    try {
      parseInput(queuePatchSchema, value);
    } catch (e) {
      expect(e).toBeInstanceOf(ChronoqError);
      expect((e as ChronoqError).code).toBe('invalid');
      return (e as ChronoqError).field;
    }
    throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
  }

  it('rejects bad values, naming the field', () => {
    expect(fieldOf({ concurrency: 0 })).toBe('concurrency');
    expect(fieldOf({ concurrency: 1.5 })).toBe('concurrency');
    expect(fieldOf({ concurrency: '10' })).toBe('concurrency');
    expect(fieldOf({ keyConcurrency: null })).toBe('keyConcurrency');
    expect(fieldOf({ keyConcurrency: 0 })).toBe('keyConcurrency');
    expect(fieldOf({ rateLimit: { count: 0, intervalMs: 1000 } })).toBe('rateLimit.count');
    expect(fieldOf({ rateLimit: { count: 5, intervalMs: 0 } })).toBe('rateLimit.intervalMs');
    expect(fieldOf({ rateLimit: { count: 5 } })).toBe('rateLimit.intervalMs');
    expect(fieldOf({ rateLimit: '100/1s' })).toBe('rateLimit');
    expect(fieldOf({ strategy: 'fastest' })).toBe('strategy');
    expect(fieldOf({ defaults: { maxAttempts: 0 } })).toBe('defaults.maxAttempts');
    expect(fieldOf({ defaults: { timeoutMs: 0 } })).toBe('defaults.timeoutMs');
    expect(fieldOf({ defaults: { backoff: { jitter: 2 } } })).toBe('defaults.backoff.jitter');
  });

  it('rejects unknown fields, at any depth', () => {
    expect(fieldOf({ paused: true })).toBe('paused');
    expect(fieldOf({ defaults: { queue: 'x' } })).toBe('defaults.queue');
    expect(fieldOf({ rateLimit: { count: 1, intervalMs: 1, burst: 2 } })).toBe('rateLimit.burst');
  });

  it('every rate parseRate returns within the schema range passes rateLimitSchema', () => {
    for (const text of ['100/1s', '5/m', '10/500ms', '1/d']) {
      expect(rateLimitSchema.safeParse(parseRate(text)).success, text).toBe(true);
    }
  });
});
