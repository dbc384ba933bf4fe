/**
 * The schedule model and the decisions of one firing pass. Pure: every function that needs
 * "now" takes it as an argument. The times a schedule fires at are in `schedule-time.ts`.
 */
import type { NewTask } from './task.js';
import { nextFireAfter, type ScheduleTiming } from './schedule-time.js';

export const OVERLAP_POLICIES = ['allow', 'skip', 'buffer-one', 'cancel-previous'] as const;
/** What a fire does while an earlier run of the schedule is still active. */
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** What happens to fire times missed (late by more than the grace) after downtime. */
export type MisfirePolicy = 'skip' | 'fire-once' | { catchUp: number };

/** A fire time more than this late counts as missed and is handled by the misfire policy. */
export const MISFIRE_GRACE_MS = 1000;

/** What a user defines. */
export interface ScheduleDef extends ScheduleTiming {
  name: string;
  overlap: OverlapPolicy;
  misfire: MisfirePolicy;
  maxRuns: number | null;
  jitterMs: number;
  /** The template of each run (queue defaults applied when the schedule was defined). */
  task: NewTask;
}

/** Where a schedule stands: kept in the store, so any leader continues where the last left off. */
export interface SchedulePosition {
  /** The next fire time; null when the schedule is done (one-shot fired, endAt or maxRuns). */
  nextFireAt: number | null;
  /** Tasks made by fires so far (manual triggers are not counted). */
  runs: number;
  lastFireAt: number | null;
  /** buffer-one: a fire time held back until the active run ends. */
  bufferedFireAt: number | null;
}

export interface Schedule extends ScheduleDef, SchedulePosition {
  id: string;
  paused: boolean;
  createdAt: number;
  updatedAt: number;
  /** Bumped on every change: the compare-and-set of every write. */
  version: number;
}

/** The position of a schedule defined (or redefined) at `now`: its first fire at or after now. */
export function initialPosition(timing: ScheduleTiming, now: number): SchedulePosition {
  return {
    nextFireAt: nextFireAfter(timing, now - 1),
    runs: 0,
    lastFireAt: null,
    bufferedFireAt: null,
  };
}

/** The next `n` fire times from the schedule's position (fewer when it ends). */
export function upcomingFires(s: Schedule, n: number): number[] {
  const out: number[] = [];
  let t = s.nextFireAt;
  const left = s.maxRuns === null ? Infinity : Math.max(0, s.maxRuns - s.runs);
  while (t !== null && out.length < Math.min(n, left)) {
    out.push(t);
    t = nextFireAfter(s, t);
  }
  return out;
}

export interface FirePlan {
  /** Fire times to make tasks for, in order. */
  fire: number[];
  /**
   * How many fire times were passed over (missed beyond the policy, overlap, maxRuns); past a
   * very long outage, an estimate.
   */
  skipped: number;
  /** cancel-previous: cancel the active runs before the new one. */
  cancelActive: boolean;
  position: SchedulePosition;
}

/** Most fire times looked at one by one in a pass; past it, the rest are skipped wholesale. */
const MAX_SCAN = 10_000;

/** How many missed fire times the misfire policy keeps (the most recent ones). */
function missedKept(m: MisfirePolicy): number {
  return m === 'skip' ? 0 : m === 'fire-once' ? 1 : Math.max(0, m.catchUp);
}

/**
 * What one pass does for a schedule at `now`, given how many of its runs are active: the fire
 * times due (`nextFireAt` up to `now`) are split into on time (late by at most `graceMs`) and
 * missed; the misfire policy keeps the most recent missed ones (none, one, or up to N, in
 * order), then the overlap policy decides among those and the ones on time.
 */
export function planFires(
  s: Schedule,
  now: number,
  active: number,
  graceMs: number = MISFIRE_GRACE_MS,
): FirePlan {
  const keepLate = missedKept(s.misfire);
  const late: number[] = [];
  const onTime: number[] = [];
  let skipped = 0;
  let t = s.nextFireAt;
  let scanned = 0;
  while (t !== null && t <= now) {
    if (++scanned === MAX_SCAN && s.nextFireAt !== null) {
      // A very long outage: jump ahead to just before the missed fire times the policy keeps
      // (judging the spacing of fire times by those scanned so far), and go on from there.
      const spacing = (t - s.nextFireAt) / scanned;
      const resume = nextFireAfter(s, now - graceMs - 1 - 2 * (keepLate + 1) * spacing);
      if (resume !== null && resume > t) {
        skipped += late.length + Math.round((resume - t) / spacing);
        late.length = 0;
        t = resume;
        continue;
      }
    }
    if (now - t > graceMs) {
      late.push(t);
      if (late.length > keepLate) {
        late.shift();
        skipped++;
      }
    } else {
      onTime.push(t);
    }
    t = nextFireAfter(s, t);
  }
  const candidates = [...late, ...onTime];
  let buffered = s.bufferedFireAt;
  let busy = active > 0;
  if (buffered !== null && !busy) {
    candidates.unshift(buffered);
    buffered = null;
  }
  let fire: number[] = [];
  let cancelActive = false;
  switch (s.overlap) {
    case 'allow':
      fire = candidates;
      break;
    case 'skip':
      for (const c of candidates) {
        if (busy) skipped++;
        else {
          fire.push(c);
          busy = true;
        }
      }
      break;
    case 'buffer-one':
      for (const c of candidates) {
        if (!busy) {
          fire.push(c);
          busy = true;
        } else if (buffered === null) buffered = c;
        else skipped++;
      }
      break;
    case 'cancel-previous': {
      const last = candidates.at(-1);
      if (last !== undefined) {
        fire = [last];
        skipped += candidates.length - 1;
        cancelActive = active > 0;
      }
      break;
    }
  }
  if (s.maxRuns !== null) {
    const room = Math.max(0, s.maxRuns - s.runs);
    skipped += Math.max(0, fire.length - room);
    fire = fire.slice(0, room);
  }
  const runs = s.runs + fire.length;
  const done = s.maxRuns !== null && runs >= s.maxRuns;
  return {
    fire,
    skipped,
    cancelActive,
    position: {
      nextFireAt: done ? null : t,
      runs,
      lastFireAt: fire.length > 0 ? Math.max(...fire) : s.lastFireAt,
      bufferedFireAt: done ? null : buffered,
    },
  };
}

/** Whether a plan changes nothing: no fire, and the position is as it was. */
export function isIdlePlan(s: SchedulePosition, plan: FirePlan): boolean {
  const p = plan.position;
  return (
    plan.fire.length === 0 &&
    !plan.cancelActive &&
    p.nextFireAt === s.nextFireAt &&
    p.runs === s.runs &&
    p.lastFireAt === s.lastFireAt &&
    p.bufferedFireAt === s.bufferedFireAt
  );
}

/** A fixed offset in [0, jitterMs) for each fire time: the same whichever replica fires it. */
export function jitterOf(scheduleId: string, fireAt: number, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  let h = 2166136261;
  for (const ch of `${scheduleId}:${fireAt}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % jitterMs;
}

/** The task one fire makes: the template, linked to its schedule and fire time. */
export function taskForFire(
  s: Pick<Schedule, 'id' | 'task' | 'jitterMs'>,
  fireAt: number,
): NewTask {
  return {
    ...s.task,
    runAt: fireAt + jitterOf(s.id, fireAt, s.jitterMs),
    idempotencyKey: null,
    scheduleId: s.id,
    fireAt,
    blocked: false,
  };
}
