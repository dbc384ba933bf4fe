import { describe, expect, it } from 'vitest';
import { UsageError } from './exit.js';
import { scheduleFromFlags, schedulePatchFromFlags } from './schedule-from-flags.js';

const noFiles = (path: string): string => {
  throw new Error(`unexpected read of ${path}`);
};

describe('schedule flags', () => {
  it('turns add flags into a spec with its bounds', () => {
    expect(
      scheduleFromFlags(
        'nightly',
        { cron: '0 2 * * *', tz: 'Europe/Berlin', end: '2030-01-01T00:00:00Z', maxRuns: '3' },
        noFiles,
      ),
    ).toEqual({
      name: 'nightly',
      cron: '0 2 * * *',
      timezone: 'Europe/Berlin',
      endAt: '2030-01-01T00:00:00.000Z',
      maxRuns: 3,
      task: { type: 'nightly' },
    });
  });

  it('clears bounds with `none` on set, and refuses `none` on add', () => {
    expect(
      schedulePatchFromFlags({ start: 'none', end: 'none', maxRuns: 'none' }, noFiles),
    ).toEqual({ startAt: null, endAt: null, maxRuns: null });
    expect(() => scheduleFromFlags('x', { every: '1m', end: 'none' }, noFiles)).toThrow(UsageError);
  });
});
