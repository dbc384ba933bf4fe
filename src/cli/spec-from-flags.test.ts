import { describe, expect, it } from 'vitest';
import { UsageError } from './exit.js';
import { patchFromFlags } from './patch-from-flags.js';
import { specFromFlags } from './spec-from-flags.js';

const noFiles = (path: string): string => {
  throw new Error(`unexpected read of ${path}`);
};

describe('specFromFlags', () => {
  it('gives just the type when no flags are set', () => {
    expect(specFromFlags('email.send', {}, noFiles)).toEqual({ type: 'email.send' });
  });

  it('maps every flag onto the spec', () => {
    const spec = specFromFlags(
      'report.build',
      {
        payload: '{"day":"mon"}',
        queue: 'reports',
        priority: '-5',
        delay: '1m30s',
        maxAttempts: '7',
        timeout: '30s',
        key: 'rep-mon',
        concurrencyKey: 'tenant-1',
        label: ['team=data', 'note=a=b'],
        exec: `python build.py --title "Monday report"`,
      },
      noFiles,
    );
    expect(spec).toEqual({
      type: 'report.build',
      payload: { day: 'mon' },
      queue: 'reports',
      priority: -5,
      delayMs: 90_000,
      maxAttempts: 7,
      timeoutMs: 30_000,
      idempotencyKey: 'rep-mon',
      concurrencyKey: 'tenant-1',
      labels: { team: 'data', note: 'a=b' },
      executor: { kind: 'process', command: ['python', 'build.py', '--title', 'Monday report'] },
    });
  });

  it('makes an http executor and an absolute run time', () => {
    expect(
      specFromFlags(
        'hook',
        { http: 'https://example.com/x', at: '2030-01-01T10:00:00+02:00' },
        noFiles,
      ),
    ).toEqual({
      type: 'hook',
      runAt: '2030-01-01T08:00:00.000Z',
      executor: { kind: 'http', url: 'https://example.com/x', method: 'POST' },
    });
  });

  it('reads the payload from @file', () => {
    const spec = specFromFlags('t', { payload: '@in.json' }, () => '{"k":true}');
    expect(spec.payload).toEqual({ k: true });
  });

  it.each([
    [{ delay: '10parsecs' }, /--delay: "10parsecs" is not a duration/],
    [{ timeout: 'soon' }, /--timeout: "soon" is not a duration/],
    [{ priority: 'high' }, /--priority: "high" is not an integer/],
    [{ maxAttempts: '2.5' }, /--max-attempts/],
    [{ at: 'tomorrow' }, /--at: "tomorrow" is not an ISO 8601 time/],
    [{ delay: '1s', at: '2030-01-01T00:00:00Z' }, /--delay or --at, not both/],
    [{ exec: 'a', http: 'http://x' }, /--exec or --http, not both/],
    [{ exec: '   ' }, /--exec: the command is empty/],
    [{ label: ['novalue'] }, /--label: "novalue" is not key=value/],
    [{ payload: 'not json' }, /--payload is not JSON/],
  ])('refuses %o', (flags, message) => {
    expect(() => specFromFlags('t', flags, noFiles)).toThrow(UsageError);
    expect(() => specFromFlags('t', flags, noFiles)).toThrow(message);
  });
});

describe('patchFromFlags', () => {
  it('maps queue flags, with none clearing limits', () => {
    expect(
      patchFromFlags({
        concurrency: '10',
        rate: '100/1s',
        keyConcurrency: '2',
        strategy: 'round-robin',
        maxAttempts: '5',
      }),
    ).toEqual({
      concurrency: 10,
      rateLimit: { count: 100, intervalMs: 1000 },
      keyConcurrency: 2,
      strategy: 'round-robin',
      defaults: { maxAttempts: 5 },
    });
    expect(patchFromFlags({ concurrency: 'none', rate: 'none' })).toEqual({
      concurrency: null,
      rateLimit: null,
    });
    expect(patchFromFlags({ rate: '5/m' })).toEqual({
      rateLimit: { count: 5, intervalMs: 60_000 },
    });
  });

  it('refuses bad values naming the flag', () => {
    expect(() => patchFromFlags({ rate: 'fast' })).toThrow(/--rate: "fast" is not a rate/);
    expect(() => patchFromFlags({ strategy: 'best' })).toThrow(/--strategy: "best"/);
    expect(() => patchFromFlags({ concurrency: 'x' })).toThrow(/--concurrency/);
  });
});
