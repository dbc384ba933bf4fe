import { sumHeld, type HeldTask } from '../domain/held.js';
import { ON_WORKER_STATES, type Task } from '../domain/task.js';
import type { ActiveTally, TaskChange } from '../store/store.js';

export interface LeaderTallyOptions {
  /** Longest time the tally is trusted before it is read again from the store. */
  refreshMs: number;
}

/**
 * The leader's own count of what is on each worker, so a placement round needs no scan of the
 * store. It is read from the store when the leader starts, then kept by the leader's own
 * assignments (the only way a task gets onto a worker: a deposed leader's are refused) and by
 * the change feed (the only way it leaves). A lost notification (a dropped LISTEN connection)
 * can only make it overstate what a worker holds, never understate it, so a worker is never
 * overcommitted; it is read again every `refreshMs`, and at once when a change shows a task
 * running on a worker it does not know of.
 */
export class LeaderTally {
  private readonly held = new Map<string, HeldTask>();
  private readAt: number | null = null;
  private stale = true;

  constructor(private readonly opts: LeaderTallyOptions) {}

  /** Whether the next round must read the store (never read, aged out, or out of step). */
  needsRead(now: number): boolean {
    return this.stale || this.readAt === null || now - this.readAt >= this.opts.refreshMs;
  }

  /** Forget everything (leadership lost or gained): the next round reads the store. */
  reset(): void {
    this.held.clear();
    this.stale = true;
  }

  /** Replace the tally with what the store says. */
  load(active: ActiveTally, now: number): void {
    this.held.clear();
    for (const t of active.held) this.held.set(t.id, t);
    this.readAt = now;
    this.stale = false;
  }

  /** Tasks this leader just put on workers. */
  assigned(tasks: Task[]): void {
    for (const t of tasks) {
      this.held.set(t.id, {
        id: t.id,
        attempt: t.attempt,
        workerId: t.workerId,
        queue: t.queue,
        concurrencyKey: t.concurrencyKey,
        cpu: t.resources.cpu ?? 0,
        memoryMb: t.resources.memoryMb ?? 0,
      });
    }
  }

  /** Changes from the store's feed: tasks that left their worker free what they held. */
  changed(changes: TaskChange[]): void {
    for (const c of changes) {
      const known = this.held.get(c.id);
      if (ON_WORKER_STATES.has(c.state)) {
        // A running fan-out parent holds no worker: its children do.
        if (c.workerId === null) continue;
        // `assigned` is this leader's own write, seen here before `assigned()` is told of it.
        if (c.state !== 'assigned' && (!known || known.attempt < c.attempt)) this.stale = true;
        continue;
      }
      if (known && known.attempt <= c.attempt) this.held.delete(c.id);
    }
  }

  /** The totals placement works from; `startedByQueue` comes from the caller. */
  totals(startedByQueue: Map<string, number>): ActiveTally {
    const held = [...this.held.values()];
    return { held, ...sumHeld(held), startedByQueue };
  }
}
