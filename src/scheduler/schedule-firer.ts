import {
  isIdlePlan,
  MISFIRE_GRACE_MS,
  planFires,
  taskForFire,
  type Schedule,
} from '../domain/schedule.js';
import type { Task } from '../domain/task.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { LeaderFence, ScheduleFire, Store } from '../store/store.js';

export interface ScheduleFirerOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Most schedules handled per pass (default 500). */
  batchSize?: number;
  /** A fire time later than this is missed, and the misfire policy decides (default 1 s). */
  graceMs?: number;
  /** Most active runs looked at for the overlap policy (default 1000). */
  activeLimit?: number;
  /** After each schedule's fire: the tasks made and how many fire times were passed over. */
  onFired?: (schedule: Schedule, created: Task[], skipped: number) => void;
}

/**
 * The leader's schedule pass: for every schedule due, decide with the domain's `planFires` what
 * to fire, then make the tasks and move the schedule in one fenced store call. Exactly once:
 * the schedule's position lives in the store and moves only from the version the decision was
 * made on, and a (schedule, fire time) pair can make at most one task; so a pass repeated by
 * a new leader after a crash, or raced by a deposed one, never fires a time twice.
 */
export class ScheduleFirer {
  private waitingOnRuns = false;
  private readonly batchSize: number;
  private readonly graceMs: number;
  private readonly activeLimit: number;

  constructor(private readonly opts: ScheduleFirerOptions) {
    this.batchSize = opts.batchSize ?? 500;
    this.graceMs = opts.graceMs ?? MISFIRE_GRACE_MS;
    this.activeLimit = opts.activeLimit ?? 1000;
  }

  /** True when a schedule holds back a fire until a run ends: finished tasks should wake us. */
  waitsOnRuns(): boolean {
    return this.waitingOnRuns;
  }

  /** One pass at `now`. Returns the wait until the next fire time (ms), or undefined for none. */
  async pass(fence: LeaderFence, now: number): Promise<number | undefined> {
    const { store } = this.opts;
    const due = await store.scheduleDue(now, this.batchSize);
    const fires: ScheduleFire[] = [];
    const plans = new Map<string, { schedule: Schedule; skipped: number; cancel: Task[] }>();
    let waiting = false;
    for (const s of due) {
      const needsRuns = s.overlap !== 'allow' || s.bufferedFireAt !== null;
      const active = needsRuns
        ? await store.scheduleRuns(s.id, { limit: this.activeLimit, active: true })
        : [];
      const plan = planFires(s, now, active.length, this.graceMs);
      if (plan.position.bufferedFireAt !== null) waiting = true;
      if (isIdlePlan(s, plan)) continue;
      fires.push({
        scheduleId: s.id,
        version: s.version,
        tasks: plan.fire.map((t) => taskForFire(s, t)),
        position: plan.position,
      });
      plans.set(s.id, {
        schedule: s,
        skipped: plan.skipped,
        cancel: plan.cancelActive ? active : [],
      });
    }
    this.waitingOnRuns = waiting;
    const results = fires.length > 0 ? await store.scheduleFire(fence, fires, now) : [];
    for (const r of results) {
      const p = plans.get(r.scheduleId);
      if (!p || !r.applied) continue;
      for (const t of p.cancel) {
        await store.taskAct(t.id, 'cancel', now, `schedule:${p.schedule.name}`);
      }
      if (p.skipped > 0) {
        this.opts.logger.info(
          { schedule: p.schedule.name, skipped: p.skipped },
          'schedule passed over fire times (misfire or overlap policy)',
        );
      }
      this.opts.onFired?.(p.schedule, r.created, p.skipped);
    }
    // More due than one batch, or a schedule changed under us: go again at once.
    if (fires.length > 0 && due.length >= this.batchSize) return 0;
    if (results.some((r) => !r.applied)) return 0;
    const next = await store.scheduleNextDue();
    return next === null ? undefined : Math.max(0, next - this.opts.clock.now());
  }
}
