import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Report } from '../../domain/state-machine.js';
import { HeldStarts } from './held-starts.js';

const started = (taskId: string, attempt = 1): Report => ({ kind: 'started', taskId, attempt });
const succeeded = (taskId: string, attempt = 1): Report => ({
  kind: 'succeeded',
  taskId,
  attempt,
  result: null,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('HeldStarts', () => {
  it('holds starts and writes each before the next report of its task, stamped when heard', () => {
    const held = new HeldStarts(1000, () => {});
    expect(held.take([started('a'), started('b')], 10)).toEqual([]);
    expect(held.size).toBe(2);
    expect(held.take([succeeded('a'), started('c')], 20)).toEqual([
      { kind: 'started', taskId: 'a', attempt: 1, at: 10 },
      succeeded('a'),
    ]);
    expect(held.drain()).toEqual([
      { kind: 'started', taskId: 'b', attempt: 1, at: 10 },
      { kind: 'started', taskId: 'c', attempt: 1, at: 20 },
    ]);
    expect(held.size).toBe(0);
  });

  it('keeps the first of a start sent twice, and writes an older attempt before a newer one', () => {
    const held = new HeldStarts(1000, () => {});
    held.take([started('a', 1)], 10);
    expect(held.take([started('a', 1)], 20)).toEqual([]);
    expect(held.take([started('a', 2)], 30)).toEqual([
      { kind: 'started', taskId: 'a', attempt: 1, at: 10 },
    ]);
    expect(held.drain()).toEqual([{ kind: 'started', taskId: 'a', attempt: 2, at: 30 }]);
  });

  it('calls onDue once the oldest held start has waited holdMs, and not after a drain', () => {
    vi.useFakeTimers();
    const onDue = vi.fn();
    const held = new HeldStarts(20, onDue);
    held.take([started('a')], 0);
    vi.advanceTimersByTime(10);
    held.take([started('b')], 10);
    vi.advanceTimersByTime(9);
    expect(onDue).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onDue).toHaveBeenCalledTimes(1);

    held.drain();
    held.take([started('c')], 30);
    held.drain();
    vi.advanceTimersByTime(100);
    expect(onDue).toHaveBeenCalledTimes(1);
  });

  it('holds nothing when holdMs is 0', () => {
    const onDue = vi.fn();
    const held = new HeldStarts(0, onDue);
    const reports = [started('a'), succeeded('b')];
    expect(held.take(reports, 5)).toBe(reports);
    expect(held.size).toBe(0);
  });
});
