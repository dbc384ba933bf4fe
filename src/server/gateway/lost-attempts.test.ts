import { describe, expect, it } from 'vitest';
import { lostAttempts } from './lost-attempts.js';
import type { Held } from './session.js';

const held = (entries: [string, Partial<Held>][]): Map<string, Held> =>
  new Map(entries.map(([id, h]) => [id, { attempt: 1, want: 'run', seq: 0, ...h }]));

describe('lostAttempts', () => {
  it('names an attempt sent in a message the worker handled that it does not hold', () => {
    const h = held([
      ['a', { sentAt: 3 }],
      ['b', { sentAt: 5 }],
    ]);
    expect(lostAttempts(h, 5, [{ taskId: 'b', attempt: 1 }])).toEqual(['a']);
  });

  it('does not judge an attempt sent after the messages the worker had handled', () => {
    expect(lostAttempts(held([['a', { sentAt: 6 }]]), 5, [])).toEqual([]);
  });

  it('does not judge an attempt not sent yet', () => {
    expect(lostAttempts(held([['a', {}]]), 50, [])).toEqual([]);
  });

  it('names an attempt when the worker holds only an earlier one of its task', () => {
    const h = held([['a', { attempt: 2, sentAt: 1 }]]);
    expect(lostAttempts(h, 1, [{ taskId: 'a', attempt: 1 }])).toEqual(['a']);
  });

  it('ignores what the worker holds that the session does not (it reports on those)', () => {
    expect(lostAttempts(held([]), 9, [{ taskId: 'x', attempt: 4 }])).toEqual([]);
  });
});
