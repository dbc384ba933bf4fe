import type { QueueSettings } from '../domain/queue.js';
import { initialPosition, type Schedule } from '../domain/schedule.js';
import { nextFireAfter, type ScheduleTiming } from '../domain/schedule-time.js';
import { ChronoqError } from '../protocol/errors.js';
import {
  parseEvery,
  type ParsedSchedulePatch,
  type ParsedScheduleSpec,
} from '../protocol/schedule.js';
import { compileSpec } from './compile-spec.js';

const TIMING_KEYS = ['cron', 'every', 'at', 'timezone', 'startAt', 'endAt'] as const;

const parseTime = (iso: string | null | undefined): number | null =>
  iso === undefined || iso === null ? null : Date.parse(iso);

function everyMs(value: string | number | undefined): number | null {
  if (value === undefined) return null;
  const ms = parseEvery(value);
  // The schema has already refused bad intervals.
  if (typeof ms === 'string') throw new ChronoqError('invalid', `every: ${ms}`, 'every');
  return ms;
}

/** An `every` schedule fires from startAt, else one interval after it was (re)defined. */
function anchor(t: Omit<ScheduleTiming, 'anchorAt'>, now: number): number | null {
  return t.every === null ? null : (t.startAt ?? now + t.every);
}

function checkFuture(t: ScheduleTiming, now: number): void {
  if (t.at !== null && t.at <= now) throw new ChronoqError('invalid', 'at: is in the past', 'at');
  if (t.endAt !== null && t.endAt <= now) {
    throw new ChronoqError('invalid', 'endAt: is in the past', 'endAt');
  }
}

/** A validated spec → the schedule to store, its first fire time worked out from `now`. */
export function compileSchedule(
  spec: ParsedScheduleSpec,
  queue: QueueSettings,
  id: string,
  now: number,
): Schedule {
  const base = {
    cron: spec.cron ?? null,
    every: everyMs(spec.every),
    at: parseTime(spec.at),
    timezone: spec.timezone ?? 'UTC',
    startAt: parseTime(spec.startAt),
    endAt: parseTime(spec.endAt),
  };
  const timing: ScheduleTiming = { ...base, anchorAt: anchor(base, now) };
  checkFuture(timing, now);
  return {
    id,
    name: spec.name,
    ...timing,
    overlap: spec.overlap ?? 'allow',
    misfire: spec.misfire ?? 'fire-once',
    maxRuns: spec.maxRuns ?? null,
    jitterMs: spec.jitterMs ?? 0,
    task: compileSpec(spec.task, queue, now),
    ...initialPosition(timing, now),
    paused: false,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/**
 * A schedule with a patch applied. A new cron, every or at replaces the old kind of timing.
 * When the timing or maxRuns changes, the next fire time is worked out again from `now`.
 * `queue` is the settings of the template's queue, needed when the patch has a new template.
 */
export function patchSchedule(
  current: Schedule,
  patch: ParsedSchedulePatch,
  queue: QueueSettings | null,
  now: number,
): Schedule {
  const kindChanged =
    patch.cron !== undefined || patch.every !== undefined || patch.at !== undefined;
  const base = {
    cron: kindChanged ? (patch.cron ?? null) : current.cron,
    every: kindChanged ? everyMs(patch.every) : current.every,
    at: kindChanged ? parseTime(patch.at) : current.at,
    timezone: patch.timezone ?? current.timezone,
    startAt: patch.startAt !== undefined ? parseTime(patch.startAt) : current.startAt,
    endAt: patch.endAt !== undefined ? parseTime(patch.endAt) : current.endAt,
  };
  if (base.startAt !== null && base.endAt !== null && base.endAt <= base.startAt) {
    throw new ChronoqError('invalid', 'endAt: must be after startAt', 'endAt');
  }
  const timingChanged = TIMING_KEYS.some((k) => patch[k] !== undefined);
  const timing: ScheduleTiming = {
    ...base,
    anchorAt: timingChanged ? anchor(base, now) : current.anchorAt,
  };
  if (timingChanged) checkFuture(timing, now);
  const next: Schedule = {
    ...current,
    ...timing,
    overlap: patch.overlap ?? current.overlap,
    misfire: patch.misfire ?? current.misfire,
    maxRuns: patch.maxRuns !== undefined ? patch.maxRuns : current.maxRuns,
    jitterMs: patch.jitterMs ?? current.jitterMs,
    task: patch.task && queue ? compileSpec(patch.task, queue, now) : current.task,
  };
  if (timingChanged || patch.maxRuns !== undefined) {
    const done = next.maxRuns !== null && next.runs >= next.maxRuns;
    next.nextFireAt = done ? null : nextFireAfter(timing, now - 1);
    if (timingChanged) next.bufferedFireAt = null;
  }
  return next;
}

/** Resuming skips the fire times that passed while paused: it goes on from `now`. */
export function resumeSchedule(current: Schedule, now: number): Schedule {
  const done = current.maxRuns !== null && current.runs >= current.maxRuns;
  return {
    ...current,
    paused: false,
    nextFireAt: done ? null : nextFireAfter(current, now - 1),
    bufferedFireAt: null,
  };
}
