import { describe, expect, it } from 'vitest';
import {
  initialPosition,
  isIdlePlan,
  jitterOf,
  planFires,
  taskForFire,
  upcomingFires,
  type Schedule,
} from './schedule.js';
import type { NewTask } from './task.js';

const T = Date.parse('2024-01-01T00:00:00Z');
const S = 1000;

const template = { type: 'job', queue: 'default' } as NewTask;

/** A schedule firing every second from T (`every: 1s`, anchored at T). */
function every(over: Partial<Schedule> = {}): Schedule {
  const timing = {
    cron: null,
    every: S,
    at: null,
    timezone: 'UTC',
    anchorAt: T,
    startAt: null,
    endAt: null,
  };
  return {
    id: 's1',
    name: 'every-second',
    ...timing,
    overlap: 'allow',
    misfire: 'fire-once',
    maxRuns: null,
    jitterMs: 0,
    task: template,
    ...initialPosition(timing, T),
    paused: false,
    createdAt: T,
    updatedAt: T,
    version: 1,
    ...over,
  };
}

describe('initialPosition and upcomingFires', () => {
  it('starts at the first fire at or after the definition time', () => {
    expect(every().nextFireAt).toBe(T);
    expect(upcomingFires(every(), 3)).toEqual([T, T + S, T + 2 * S]);
  });

  it('stops at maxRuns', () => {
    expect(upcomingFires(every({ maxRuns: 5, runs: 3 }), 5)).toEqual([T, T + S]);
  });
});

describe('planFires: on time', () => {
  it('fires the due time and moves to the next', () => {
    const p = planFires(every(), T + 5, 0);
    expect(p.fire).toEqual([T]);
    expect(p.position).toEqual({ nextFireAt: T + S, runs: 1, lastFireAt: T, bufferedFireAt: null });
  });

  it('does nothing before the fire time', () => {
    const s = every();
    const p = planFires(s, T - 1, 0);
    expect(p.fire).toEqual([]);
    expect(isIdlePlan(s, p)).toBe(true);
  });

  it('fires every time within the grace, whatever the misfire policy', () => {
    const p = planFires(every({ misfire: 'skip' }), T + 900, 0, 1000);
    expect(p.fire).toEqual([T]);
  });
});

describe('planFires: misfire after downtime', () => {
  // Down from T to T + 10.5 s: fires T … T+10 s are due, T … T+9 s are late (grace 1 s).
  const now = T + 10_500;

  it('skip: only the fire time still on time', () => {
    const p = planFires(every({ misfire: 'skip' }), now, 0);
    expect(p.fire).toEqual([T + 10 * S]);
    expect(p.skipped).toBe(10);
    expect(p.position.nextFireAt).toBe(T + 11 * S);
  });

  it('fire-once: the latest missed one, then the one on time', () => {
    const p = planFires(every({ misfire: 'fire-once' }), now, 0);
    expect(p.fire).toEqual([T + 9 * S, T + 10 * S]);
    expect(p.skipped).toBe(9);
  });

  it('catch-up N: the N latest missed ones, in order', () => {
    const p = planFires(every({ misfire: { catchUp: 3 } }), now, 0);
    expect(p.fire).toEqual([T + 7 * S, T + 8 * S, T + 9 * S, T + 10 * S]);
    expect(p.skipped).toBe(7);
  });

  it('catch-up more than were missed: every one', () => {
    const p = planFires(every({ misfire: { catchUp: 100 } }), now, 0);
    expect(p.fire).toHaveLength(11);
    expect(p.skipped).toBe(0);
  });

  it('a very long outage ends in one pass', () => {
    const end = T + 30 * 86_400_000;
    const once = planFires(every({ misfire: 'fire-once' }), end, 0);
    // One missed (end - 2 s), and the two still within the grace.
    expect(once.fire).toEqual([end - 2 * S, end - S, end]);
    expect(once.skipped).toBeGreaterThan(30 * 86_400 - 10);
    expect(once.position.nextFireAt).toBe(end + S);
    const catchUp = planFires(every({ misfire: { catchUp: 20 } }), end, 0);
    expect(catchUp.fire).toHaveLength(22);
    expect(catchUp.fire[0]).toBe(end - 21 * S);
  });
});

describe('planFires: overlap', () => {
  const now = T + 2_500; // T, T+1s, T+2s due; all within the grace when it is 3 s
  const grace = 3000;

  it('allow: every due time, whatever runs', () => {
    expect(planFires(every({ overlap: 'allow' }), now, 4, grace).fire).toEqual([
      T,
      T + S,
      T + 2 * S,
    ]);
  });

  it('skip: nothing while a run is active, one when none is', () => {
    const busy = planFires(every({ overlap: 'skip' }), now, 1, grace);
    expect(busy.fire).toEqual([]);
    expect(busy.skipped).toBe(3);
    expect(busy.position.nextFireAt).toBe(T + 3 * S);
    expect(planFires(every({ overlap: 'skip' }), now, 0, grace).fire).toEqual([T]);
  });

  it('buffer-one: holds one fire time until the active run ends', () => {
    const busy = planFires(every({ overlap: 'buffer-one' }), now, 1, grace);
    expect(busy.fire).toEqual([]);
    expect(busy.position.bufferedFireAt).toBe(T);
    expect(busy.skipped).toBe(2);
    const later = every({ overlap: 'buffer-one', ...busy.position });
    const stillBusy = planFires(later, now, 1, grace);
    expect(isIdlePlan(later, stillBusy)).toBe(true);
    const free = planFires(later, now, 0, grace);
    expect(free.fire).toEqual([T]);
    expect(free.position.bufferedFireAt).toBeNull();
  });

  it('cancel-previous: the latest due time, and cancel what runs', () => {
    const p = planFires(every({ overlap: 'cancel-previous' }), now, 2, grace);
    expect(p.fire).toEqual([T + 2 * S]);
    expect(p.cancelActive).toBe(true);
    expect(planFires(every({ overlap: 'cancel-previous' }), now, 0, grace).cancelActive).toBe(
      false,
    );
  });
});

describe('planFires: maxRuns and endings', () => {
  it('fires no more than maxRuns and then ends', () => {
    const p = planFires(every({ maxRuns: 2, misfire: { catchUp: 10 } }), T + 5_500, 0);
    expect(p.fire).toEqual([T, T + S]);
    expect(p.position.nextFireAt).toBeNull();
    expect(p.position.runs).toBe(2);
  });

  it('ends after the last fire before endAt', () => {
    const p = planFires(every({ endAt: T + S }), T + S, 0, 5000);
    expect(p.fire).toEqual([T, T + S]);
    expect(p.position.nextFireAt).toBeNull();
  });
});

describe('taskForFire and jitter', () => {
  it('links the task to its schedule and fire time', () => {
    const t = taskForFire(every(), T);
    expect(t).toMatchObject({ type: 'job', scheduleId: 's1', fireAt: T, runAt: T });
  });

  it('delays by a jitter that is the same for the same fire time, below jitterMs', () => {
    const offsets = Array.from({ length: 200 }, (_, i) => jitterOf('s1', T + i * S, 500));
    expect(offsets.every((o) => o >= 0 && o < 500)).toBe(true);
    expect(new Set(offsets).size).toBeGreaterThan(50);
    expect(jitterOf('s1', T, 500)).toBe(offsets[0]);
    expect(taskForFire(every({ jitterMs: 500 }), T).runAt).toBe(T + offsets[0]!);
  });
});
