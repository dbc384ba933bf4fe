import type { QueueSettings } from '../domain/queue.js';
import type { Schedule } from '../domain/schedule.js';
import { isTerminal, type Task } from '../domain/task.js';
import type { WorkerRecord } from '../domain/worker.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import {
  LeaseLostError,
  type ChangeEvent,
  type LeaderFence,
  type Store,
  type TaskChange,
} from '../store/store.js';
import { Leadership } from './leadership.js';
import { LeaderTally } from './leader-tally.js';
import { Loop } from './loop.js';
import { Placer, type Unplaceable } from './placer.js';
import { Pruner } from './pruner.js';
import { ScheduleFirer } from './schedule-firer.js';

/** How long the placer trusts the worker list it read (heartbeats are not announced). */
const WORKER_LIST_MS = 250;

export interface SchedulerOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** This replica's id, the leader lease holder. */
  replicaId: string;
  leaseMs: number;
  leaseRenewMs: number;
  /** Most tasks promoted or placed per pass. */
  batchSize?: number;
  /** Longest sleep of a loop with nothing to do. */
  idleMs?: number;
  /** How long the leader trusts its own tally of what workers hold (default 5 s). */
  tallyRefreshMs?: number;
  random?: () => number;
  /** Tasks just assigned, so a co-located gateway can push them without a read. */
  onAssigned?: (tasks: Task[]) => void;
  /** Attempts the leader ended: timed out, or held by a lost worker. */
  onAttemptsEnded?: (tasks: Task[], why: 'timeout' | 'lost') => void;
  /** A fire time later than this is missed, and the schedule's misfire policy decides. */
  misfireGraceMs?: number;
  /**
   * Longest sleep of the schedule loop. It wakes at the next fire time and on changes, so this
   * is only a safety net (default 60 s).
   */
  scheduleIdleMs?: number;
  /** A schedule fired: the tasks it made and how many fire times it passed over. */
  onScheduleFired?: (schedule: Schedule, created: Task[], skipped: number) => void;
  /** Delete finished tasks older than this (null or absent: keep them all). */
  retentionMs?: number | null;
  /** How often retention runs when it has nothing left to delete (default: a tenth of the
   * retention, from 1 s to 60 s). */
  retentionIdleMs?: number;
  /** Finished tasks deleted by retention. */
  onPruned?: (count: number) => void;
}

/**
 * The leader's loops. Every replica runs a Scheduler; only the one holding the lease acts.
 * Each loop is small, runs on its own timer, and wakes early on change events from the store:
 * a submit wakes placement at once, so no polling delay sits between a submit and its start.
 */
export class Scheduler {
  readonly leadership: Leadership;
  private readonly loops: Loop[];
  private readonly promote: Loop;
  private readonly placeLoop: Loop;
  private readonly timeouts: Loop;
  private readonly reap: Loop;
  private readonly scheduleLoop: Loop;
  private readonly firer: ScheduleFirer;
  private readonly placer: Placer;
  private readonly tally: LeaderTally;
  private readonly random: () => number;
  private queueCache: Promise<Map<string, QueueSettings>> | null = null;
  /** The worker list, read at most every WORKER_LIST_MS (any change to a worker drops it). */
  private workerCache: { at: number; list: Promise<WorkerRecord[]> } | null = null;
  /**
   * False only after a round placed every ready task, until a task becomes ready again: then a
   * freed slot does not call for a round (it would read an empty ready set). Rounds on the idle
   * timer still read, whatever this says. `readyGen` counts the events that make it true, so a
   * round that overlapped one does not clear it.
   */
  private readyLeft = true;
  private readyGen = 0;
  /** The reason last written to each ready task's history for why it cannot be placed. */
  private readonly noted = new Map<string, string>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly opts: SchedulerOptions) {
    const batchSize = opts.batchSize ?? 1000;
    const idleMs = opts.idleMs ?? 1000;
    this.random = opts.random ?? Math.random;
    this.tally = new LeaderTally({ refreshMs: opts.tallyRefreshMs ?? 5000 });
    this.leadership = new Leadership({
      store: opts.store,
      clock: opts.clock,
      logger: opts.logger,
      holder: opts.replicaId,
      leaseMs: opts.leaseMs,
      renewMs: opts.leaseRenewMs,
      onElected: () => {
        this.tally.reset();
        this.workerCache = null;
        this.mayBeReady();
        this.loops.forEach((l) => l.wake());
      },
    });
    this.placer = new Placer({
      store: opts.store,
      batchSize,
      random: this.random,
      queues: () => this.queues(),
      workers: (now) => this.workers(now),
      tally: this.tally,
    });
    const loop = (
      name: string,
      run: (fence: LeaderFence, now: number) => Promise<number | undefined>,
    ) =>
      new Loop({
        name,
        idleMs,
        logger: opts.logger,
        run: () => this.asLeader(run),
      });
    this.promote = loop('promote', (f, now) => this.promoteDue(f, now, batchSize));
    this.placeLoop = loop('place', (f, now) => this.placeReady(f, now));
    this.timeouts = loop('timeouts', (f, now) => this.expireDeadlines(f, now));
    this.reap = loop('reap', (f, now) => this.reapWorkers(f, now));
    this.firer = new ScheduleFirer({
      store: opts.store,
      clock: opts.clock,
      logger: opts.logger,
      graceMs: opts.misfireGraceMs,
      onFired: opts.onScheduleFired,
    });
    this.scheduleLoop = new Loop({
      name: 'schedules',
      idleMs: opts.scheduleIdleMs ?? 60_000,
      logger: opts.logger,
      run: () => this.asLeader((f, now) => this.firer.pass(f, now)),
    });
    this.loops = [this.promote, this.placeLoop, this.timeouts, this.reap, this.scheduleLoop];
    if (opts.retentionMs !== undefined && opts.retentionMs !== null) {
      const pruner = new Pruner({
        store: opts.store,
        logger: opts.logger,
        retentionMs: opts.retentionMs,
        batchSize,
        onPruned: opts.onPruned,
      });
      this.loops.push(
        new Loop({
          name: 'retention',
          idleMs: opts.retentionIdleMs ?? Math.min(60_000, Math.max(1000, opts.retentionMs / 10)),
          logger: opts.logger,
          run: () => this.asLeader((f, now) => pruner.pass(f, now)),
        }),
      );
    }
  }

  isLeader(): boolean {
    return this.leadership.current() !== null;
  }

  async start(): Promise<void> {
    this.unsubscribe = this.opts.store.subscribe((e) => this.onChange(e));
    this.loops.forEach((l) => l.start());
    await this.leadership.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all(this.loops.map((l) => l.stop()));
    await this.leadership.stop();
  }

  private onChange(e: ChangeEvent): void {
    switch (e.kind) {
      case 'tasks': {
        this.tally.changed(e.changes);
        let place = false;
        let promote = false;
        let deadlines = false;
        for (const c of e.changes) {
          if (c.state !== 'ready') this.noted.delete(c.id);
          else this.mayBeReady();
          if (c.state === 'pending') promote = true;
          else if (c.state === 'running') deadlines = true;
          // Anything else frees a slot or makes a task ready: both call for placement. A new
          // task that is not ready (attempt 0: never placed) does neither.
          if (c.state !== 'running' && c.state !== 'assigned' && !unplacedWaiting(c)) {
            place = true;
          }
        }
        if (place && this.readyLeft) this.placeLoop.wake();
        if (promote) this.promote.wake();
        if (deadlines) this.timeouts.wake();
        // A run ended: a fire time held back by `buffer-one` may go now.
        if (this.firer.waitsOnRuns() && e.changes.some((c) => isTerminal(c.state))) {
          this.scheduleLoop.wake();
        }
        return;
      }
      case 'schedules':
        this.scheduleLoop.wake();
        return;
      case 'workers':
        this.workerCache = null;
        this.mayBeReady();
        this.placeLoop.wake();
        this.reap.wake();
        return;
      case 'queues':
        this.queueCache = null;
        this.mayBeReady();
        this.placeLoop.wake();
        return;
      case 'logs':
        return;
    }
  }

  /**
   * Heartbeats are not announced (they move only the load and the lease), so the list is read
   * again after a short while; registering, expiring, cordoning or draining a worker is
   * announced, and drops it at once.
   */
  private workers(now: number): Promise<WorkerRecord[]> {
    const cached = this.workerCache;
    if (cached && now >= cached.at && now - cached.at < WORKER_LIST_MS) return cached.list;
    const list = this.opts.store.workerList().catch((err: unknown) => {
      if (this.workerCache?.list === list) this.workerCache = null;
      throw err;
    });
    this.workerCache = { at: now, list };
    return list;
  }

  private queues(): Promise<Map<string, QueueSettings>> {
    this.queueCache ??= this.opts.store
      .queueList()
      .then((list) => new Map(list.map((q) => [q.name, q])))
      .catch((err: unknown) => {
        this.queueCache = null;
        throw err;
      });
    return this.queueCache;
  }

  private async asLeader(
    run: (fence: LeaderFence, now: number) => Promise<number | undefined>,
  ): Promise<number | undefined> {
    const fence = this.leadership.current();
    if (!fence) return undefined;
    try {
      return await run(fence, this.opts.clock.now());
    } catch (err) {
      if (err instanceof LeaseLostError) {
        this.leadership.lost();
        return undefined;
      }
      throw err;
    }
  }

  private async promoteDue(fence: LeaderFence, now: number, limit: number) {
    // Most wake-ups are submits of tasks due later: a read answers those without a write.
    const due = await this.opts.store.taskNextDue();
    if (due === null) return undefined;
    if (due > now) return Math.max(0, due - this.opts.clock.now());
    const promoted = await this.opts.store.taskPromoteDue(fence, now, limit);
    if (promoted >= limit) return 0;
    const next = await this.opts.store.taskNextDue();
    return next === null ? undefined : Math.max(0, next - this.opts.clock.now());
  }

  private async placeReady(fence: LeaderFence, now: number) {
    const gen = this.readyGen;
    const round = await this.placer.round(fence, now);
    if (round.drained && gen === this.readyGen) this.readyLeft = false;
    await this.noteUnplaceable(round.unplaceable, now);
    if (round.assigned.length === 0) return undefined;
    this.opts.onAssigned?.(round.assigned);
    // Another round at once while there may be more to place (a wake during this one reruns it).
    return round.drained ? undefined : 0;
  }

  /** Something may have made a task ready (or placeable): slots freed from now on call for rounds. */
  private mayBeReady(): void {
    this.readyGen++;
    this.readyLeft = true;
  }

  private async expireDeadlines(fence: LeaderFence, now: number) {
    // Woken by every start: a read answers the (usual) case of no deadline passed, without a write.
    const first = await this.opts.store.taskNextDeadline();
    if (first === null) return undefined;
    if (first > now) return Math.max(0, first - this.opts.clock.now());
    const expired = await this.opts.store.taskExpireDeadlines(fence, now, this.random);
    if (expired.length > 0) {
      this.opts.logger.info({ tasks: expired.map((t) => t.id) }, 'attempts timed out');
      this.opts.onAttemptsEnded?.(expired, 'timeout');
    }
    const next = await this.opts.store.taskNextDeadline();
    return next === null ? undefined : Math.max(0, next - this.opts.clock.now());
  }

  /** Say once in a task's history why no worker can take it (again if the reason changes). */
  private async noteUnplaceable(list: Unplaceable[], now: number): Promise<void> {
    const fresh = list.filter((u) => this.noted.get(u.taskId) !== u.reason);
    if (fresh.length === 0) return;
    await this.opts.store.taskNote(
      fresh.map((u) => ({
        taskId: u.taskId,
        kind: 'unplaceable',
        attempt: u.attempt,
        detail: { reason: u.reason },
      })),
      now,
    );
    for (const u of fresh) this.noted.set(u.taskId, u.reason);
  }

  /** Lost workers, and tasks left on workers that are no longer live, go back to the queue. */
  private async reapWorkers(fence: LeaderFence, now: number) {
    const { store } = this.opts;
    const lost = await store.workerExpire(fence, now);
    if (lost.length > 0) this.opts.logger.warn({ workers: lost }, 'workers lost');
    const workers = await store.workerList();
    const live = new Set(workers.filter((w) => w.status === 'live').map((w) => w.id));
    const tally = await store.taskActive(new Map());
    const orphaned = [...tally.byWorker.keys()].filter((id) => !live.has(id));
    if (orphaned.length > 0) {
      const requeued = await store.taskRequeueFromWorkers(fence, orphaned, now, this.random);
      this.opts.onAttemptsEnded?.(requeued, 'lost');
      this.opts.logger.warn(
        { workers: orphaned, tasks: requeued.length },
        'requeued the tasks of workers that are gone',
      );
    }
    const nextExpiry = Math.min(
      ...workers.filter((w) => w.status === 'live').map((w) => w.expiresAt),
    );
    return Number.isFinite(nextExpiry) ? Math.max(0, nextExpiry - now) : undefined;
  }
}

/** A task never placed (so it holds no slot) that is not ready yet: nothing for placement. */
function unplacedWaiting(c: TaskChange): boolean {
  return c.attempt === 0 && (c.state === 'pending' || c.state === 'blocked');
}
