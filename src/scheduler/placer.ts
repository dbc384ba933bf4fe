import {
  mismatch,
  place,
  type Assignment,
  type PlacementLimits,
  type PlacementStrategy,
  type PlacementTask,
  type PlacementWorker,
} from '../domain/placement.js';
import type { QueueSettings } from '../domain/queue.js';
import { isFanOut, type Task } from '../domain/task.js';
import type { WorkerRecord } from '../domain/worker.js';
import type { ActiveTally, FanOut, LeaderFence, Store } from '../store/store.js';
import type { LeaderTally } from './leader-tally.js';

export interface PlacerOptions {
  store: Store;
  /** Most ready tasks read in one round. */
  batchSize: number;
  random: () => number;
  /** Queue settings, cached by the scheduler. */
  queues: () => Promise<Map<string, QueueSettings>>;
  /** The workers, cached by the scheduler for a short while. */
  workers: (now: number) => Promise<WorkerRecord[]>;
  /** What is on workers, kept by the leader between reads of the store. */
  tally: LeaderTally;
}

export interface Unplaceable {
  taskId: string;
  attempt: number;
  reason: string;
}

export interface PlacementRound {
  assigned: Task[];
  /** Tasks no live worker can ever take, with the reason. */
  unplaceable: Unplaceable[];
  /**
   * The round read every ready task there was and placed (or fanned out) each one: until a
   * task becomes ready again, another round would find nothing to place.
   */
  drained: boolean;
}

/**
 * One placement round: read live workers and what they hold (from the leader's tally; from the
 * store when the tally is due a read or a queue is rate-limited), read the best ready tasks, run
 * the pure placement function, and assign the result in one batch write.
 */
export class Placer {
  private cursor = 0;

  constructor(private readonly opts: PlacerOptions) {}

  async round(fence: LeaderFence, now: number): Promise<PlacementRound> {
    const { store } = this.opts;
    const none: PlacementRound = { assigned: [], unplaceable: [], drained: false };
    const workers = (await this.opts.workers(now)).filter(
      (w) => w.status === 'live' && w.expiresAt > now && !w.cordoned && !w.draining,
    );
    if (workers.length === 0) return none;

    const queues = await this.opts.queues();
    const rateWindows = new Map<string, number>();
    for (const q of queues.values()) {
      if (q.rateLimit) rateWindows.set(q.name, now - q.rateLimit.intervalMs);
    }
    const tally = await this.tally(rateWindows, now);
    const candidates = workers.map((w) => toPlacementWorker(w, tally));
    const free = candidates.reduce((sum, w) => sum + Math.max(0, w.freeSlots), 0);
    if (free <= 0) return none;

    // A little more than the free slots, so a few tasks that fit no worker do not starve the rest.
    const limit = Math.min(this.opts.batchSize, free + 16);
    const batch = await store.taskReadyBatch(limit);
    if (batch.length === 0) return { ...none, drained: true };
    const fan = await fanOutReady(store, fence, now, batch, workers, candidates);
    const ready = batch.filter((t) => !isFanOut(t.flow) && !fan.gone.has(t.id));
    const drainedBy = (assigned: number) =>
      batch.length < limit && assigned + fan.gone.size === batch.length;
    if (ready.length === 0) {
      return { assigned: [], unplaceable: fan.unplaceable, drained: drainedBy(0) };
    }

    // Strategies are per queue: place each run of tasks that share one, in priority order,
    // carrying the workers' remaining slots and the limits from one run to the next.
    let workersLeft: PlacementWorker[] = candidates;
    let limits: PlacementLimits = limitsFor(ready, queues, tally);
    const assignments: Assignment[] = [];
    const unplaceable = new Map<string, string>();
    for (const run of runsByStrategy(ready, queues)) {
      const result = place({
        tasks: run.tasks.map(toPlacementTask),
        workers: workersLeft,
        limits,
        strategy: run.strategy,
        cursor: this.cursor,
        random: this.opts.random,
      });
      this.cursor = result.cursor;
      workersLeft = result.remaining;
      limits = result.limits;
      assignments.push(...result.assignments);
      for (const [id, why] of result.unplaceable) unplaceable.set(id, why);
    }
    const attempts = new Map(ready.map((t) => [t.id, t.attempt]));
    const notes = [...unplaceable].map(([taskId, reason]) => ({
      taskId,
      reason,
      attempt: attempts.get(taskId) ?? 0,
    }));
    notes.push(...fan.unplaceable);
    if (assignments.length === 0) return { assigned: [], unplaceable: notes, drained: false };
    const assigned = await store.taskAssign(fence, assignments, now, ready);
    this.opts.tally.assigned(assigned);
    return { assigned, unplaceable: notes, drained: drainedBy(assigned.length) };
  }

  private async tally(rateWindows: Map<string, number>, now: number): Promise<ActiveTally> {
    const { tally, store } = this.opts;
    if (!tally.needsRead(now) && rateWindows.size === 0) return tally.totals(new Map());
    const active = await store.taskActive(rateWindows);
    tally.load(active, now);
    return active;
  }
}

/**
 * Ready fan-out parents become children: a sharded one at once, a broadcast one over the live
 * workers that match it (it waits while none does). A broadcast child whose worker is gone
 * for good is cancelled, which fails its parent (the broadcast did not reach every worker).
 */
export async function fanOutReady(
  store: Store,
  fence: LeaderFence,
  now: number,
  ready: Task[],
  live: WorkerRecord[],
  workers: PlacementWorker[],
): Promise<{ gone: Set<string>; unplaceable: Unplaceable[] }> {
  const unplaceable: Unplaceable[] = [];
  const fanOuts: FanOut[] = [];
  for (const t of ready) {
    if (!isFanOut(t.flow)) continue;
    if (t.flow.broadcast !== true) {
      fanOuts.push({ taskId: t.id, workers: [] });
      continue;
    }
    const task = toPlacementTask(t);
    const matching = workers.filter((w) => mismatch(task, w) === null).map((w) => w.id);
    if (matching.length > 0) fanOuts.push({ taskId: t.id, workers: matching });
    else {
      unplaceable.push({
        taskId: t.id,
        attempt: t.attempt,
        reason: 'no live worker matches the broadcast',
      });
    }
  }
  if (fanOuts.length > 0) await store.taskFanOut(fence, fanOuts, now);
  const liveIds = new Set(live.map((w) => w.id));
  const gone = new Set<string>();
  for (const t of ready) {
    const pinned = t.flow.worker;
    if (pinned === undefined || liveIds.has(pinned)) continue;
    const worker = await store.workerGet(pinned);
    if (worker?.status === 'live') continue;
    gone.add(t.id);
    await store.taskAct(t.id, 'cancel', now, 'chronoq: the worker of this broadcast is gone');
  }
  return { gone, unplaceable };
}

function toPlacementWorker(w: WorkerRecord, tally: ActiveTally): PlacementWorker {
  const used = tally.byWorker.get(w.id) ?? { count: 0, cpu: 0, memoryMb: 0 };
  return {
    id: w.id,
    // Prefetched assignments wait on the worker for a slot, so they count as slots here.
    capacity: w.capacity + w.prefetch,
    freeSlots: w.capacity + w.prefetch - used.count,
    labels: w.labels,
    taints: w.taints,
    freeResources: {
      cpu: w.resources.cpu === undefined ? undefined : w.resources.cpu - used.cpu,
      memoryMb:
        w.resources.memoryMb === undefined ? undefined : w.resources.memoryMb - used.memoryMb,
    },
    types: w.types === null ? null : new Set(w.types),
    executors: new Set(w.executors),
    weight: w.weight,
    schedulable: true,
    queues: w.queues === null ? null : new Set(w.queues),
  };
}

function limitsFor(ready: Task[], queues: Map<string, QueueSettings>, tally: ActiveTally) {
  const queueBudget = new Map<string, number>();
  const pausedQueues = new Set<string>();
  const keyBudget = new Map<string, number>();
  for (const q of queues.values()) {
    if (q.paused) pausedQueues.add(q.name);
    let budget = Infinity;
    if (q.concurrency !== null) budget = q.concurrency - (tally.byQueue.get(q.name) ?? 0);
    if (q.rateLimit) {
      budget = Math.min(budget, q.rateLimit.count - (tally.startedByQueue.get(q.name) ?? 0));
    }
    if (budget !== Infinity) queueBudget.set(q.name, budget);
  }
  for (const t of ready) {
    if (t.concurrencyKey === null || keyBudget.has(t.concurrencyKey)) continue;
    const perKey = queues.get(t.queue)?.keyConcurrency ?? 1;
    keyBudget.set(t.concurrencyKey, perKey - (tally.byKey.get(t.concurrencyKey) ?? 0));
  }
  return { queueBudget, pausedQueues, keyBudget };
}

/** Consecutive tasks whose queues share a placement strategy. */
function runsByStrategy(
  ready: Task[],
  queues: Map<string, QueueSettings>,
): { strategy: PlacementStrategy; tasks: Task[] }[] {
  const runs: { strategy: PlacementStrategy; tasks: Task[] }[] = [];
  for (const t of ready) {
    const strategy = queues.get(t.queue)?.strategy ?? 'least-loaded';
    const last = runs[runs.length - 1];
    if (last && last.strategy === strategy) last.tasks.push(t);
    else runs.push({ strategy, tasks: [t] });
  }
  return runs;
}

function toPlacementTask(t: Task): PlacementTask {
  return {
    id: t.id,
    queue: t.queue,
    type: t.type,
    executor: t.executor.kind,
    selector: t.selector,
    tolerations: t.tolerations,
    resources: t.resources,
    concurrencyKey: t.concurrencyKey,
    worker: t.flow.worker ?? null,
    spread: t.parentId,
  };
}
