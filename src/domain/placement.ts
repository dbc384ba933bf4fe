import type { ExecutorKind, ResourceRequest, Taint, Toleration } from './task.js';

export const PLACEMENT_STRATEGIES = ['least-loaded', 'round-robin', 'random', 'weighted'] as const;
export type PlacementStrategy = (typeof PLACEMENT_STRATEGIES)[number];

/** A live worker as placement sees it. */
export interface PlacementWorker {
  id: string;
  /** Slots left after everything already handed to it. */
  freeSlots: number;
  capacity: number;
  labels: Record<string, string>;
  taints: Taint[];
  /** Resources left; undefined fields mean "not limited". */
  freeResources: ResourceRequest;
  /** Handler types it can run; null means any. */
  types: ReadonlySet<string> | null;
  executors: ReadonlySet<ExecutorKind>;
  /** Share of work under the `weighted` strategy; default 1. */
  weight: number;
  /** Cordoned or draining workers get nothing new. */
  schedulable: boolean;
  queues: ReadonlySet<string> | null;
}

export interface PlacementTask {
  id: string;
  queue: string;
  type: string;
  executor: ExecutorKind;
  selector: Record<string, string>;
  tolerations: Toleration[];
  resources: ResourceRequest;
  concurrencyKey: string | null;
  /** The only worker that may take it (a broadcast child). */
  worker?: string | null;
  /** Tasks sharing this key (a fan-out's children) go to different workers where they can. */
  spread?: string | null;
}

export interface PlacementLimits {
  /** Slots left per queue (concurrency and rate limits together); absent means unlimited. */
  queueBudget: Map<string, number>;
  /** Queues that are paused. */
  pausedQueues: ReadonlySet<string>;
  /** Per-key room: how many more tasks of each concurrencyKey may run (absent: 1 in total). */
  keyBudget: Map<string, number>;
}

export interface PlacementInput {
  /** Ready tasks, best first (priority, then age). */
  tasks: readonly PlacementTask[];
  workers: readonly PlacementWorker[];
  limits: PlacementLimits;
  strategy: PlacementStrategy;
  /** Round-robin position carried between rounds. */
  cursor: number;
  /** Numbers in [0, 1), one per call. */
  random: () => number;
}

export interface Assignment {
  taskId: string;
  workerId: string;
}

export interface PlacementResult {
  assignments: Assignment[];
  /** The workers after this round's hand-outs (free slots and resources taken off). */
  remaining: PlacementWorker[];
  /** The limits after this round's hand-outs. */
  limits: PlacementLimits;
  /** Why a task could not be placed on any worker (absent: no free slot right now). */
  unplaceable: Map<string, string>;
  cursor: number;
}

export function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some(
    (t) =>
      t.key === taint.key &&
      (t.effect === undefined || t.effect === taint.effect) &&
      (t.operator === 'Exists' || t.value === undefined || t.value === taint.value),
  );
}

function fitsResources(req: ResourceRequest, free: ResourceRequest): boolean {
  if (req.cpu !== undefined && free.cpu !== undefined && req.cpu > free.cpu) return false;
  if (req.memoryMb !== undefined && free.memoryMb !== undefined && req.memoryMb > free.memoryMb)
    return false;
  return true;
}

/** Why a worker can never take this task (independent of its load), or null when it can. */
export function mismatch(task: PlacementTask, w: PlacementWorker): string | null {
  if (task.worker != null && w.id !== task.worker) return `pinned to worker ${task.worker}`;
  if (!w.executors.has(task.executor)) return `no worker allows the ${task.executor} executor`;
  if (task.executor === 'function' && w.types !== null && !w.types.has(task.type))
    return `no worker has a handler for ${task.type}`;
  if (w.queues !== null && !w.queues.has(task.queue)) return `no worker serves queue ${task.queue}`;
  for (const [k, v] of Object.entries(task.selector)) {
    if (w.labels[k] !== v) return `no worker has label ${k}=${v}`;
  }
  for (const taint of w.taints) {
    if (taint.effect !== 'PreferNoSchedule' && !tolerates(task.tolerations, taint))
      return `no worker without an untolerated taint ${taint.key}`;
  }
  return null;
}

function subtract(free: ResourceRequest, req: ResourceRequest): ResourceRequest {
  return {
    cpu: free.cpu === undefined ? undefined : free.cpu - (req.cpu ?? 0),
    memoryMb: free.memoryMb === undefined ? undefined : free.memoryMb - (req.memoryMb ?? 0),
  };
}

/**
 * Place ready tasks on workers. Pure: the same input gives the same output. The caller's tally
 * of free slots, resources and limits is copied and decremented as tasks are handed out, so one
 * round can never overcommit a worker, a queue or a key.
 */
export function place(input: PlacementInput): PlacementResult {
  const remaining = input.workers.map((w) => ({ ...w, freeResources: { ...w.freeResources } }));
  const workers = remaining.filter((w) => w.schedulable && w.freeSlots > 0);
  const queueBudget = new Map(input.limits.queueBudget);
  const keyBudget = new Map(input.limits.keyBudget);
  const assignments: Assignment[] = [];
  const unplaceable = new Map<string, string>();
  let cursor = input.cursor;
  /** Tasks handed out this round per spread key and worker. */
  const spread = new Map<string, number>();
  const spreadCount = (key: string, w: PlacementWorker) => spread.get(`${key}\u0000${w.id}`) ?? 0;
  const prefersAvoid = (t: PlacementTask, w: PlacementWorker): boolean =>
    w.taints.some((x) => x.effect === 'PreferNoSchedule' && !tolerates(t.tolerations, x));

  for (const task of input.tasks) {
    if (workers.length === 0) break;
    if (input.limits.pausedQueues.has(task.queue)) continue;
    const qLeft = queueBudget.get(task.queue);
    if (qLeft !== undefined && qLeft <= 0) continue;
    if (task.concurrencyKey !== null && (keyBudget.get(task.concurrencyKey) ?? 1) <= 0) continue;

    let reason: string | null = null;
    const candidates = workers.filter((w) => {
      if (w.freeSlots <= 0) return false;
      const why = mismatch(task, w);
      if (why) {
        reason ??= why;
        return false;
      }
      if (!fitsResources(task.resources, w.freeResources)) {
        reason ??= 'no worker has the resources free';
        return false;
      }
      return true;
    });
    if (candidates.length === 0) {
      if (reason && !input.workers.some((w) => w.schedulable && mismatch(task, w) === null))
        unplaceable.set(task.id, reason);
      continue;
    }
    const preferred = candidates.filter((w) => !prefersAvoid(task, w));
    let pool = preferred.length > 0 ? preferred : candidates;
    const key = task.spread;
    if (key != null) {
      const fewest = Math.min(...pool.map((w) => spreadCount(key, w)));
      pool = pool.filter((w) => spreadCount(key, w) === fewest);
    }
    const chosen = choose(pool, input.strategy, cursor, input.random);
    cursor = chosen.cursor;
    const w = chosen.worker;
    w.freeSlots -= 1;
    w.freeResources = subtract(w.freeResources, task.resources);
    if (qLeft !== undefined) queueBudget.set(task.queue, qLeft - 1);
    if (task.concurrencyKey !== null)
      keyBudget.set(task.concurrencyKey, (keyBudget.get(task.concurrencyKey) ?? 1) - 1);
    if (key != null) spread.set(`${key}\u0000${w.id}`, spreadCount(key, w) + 1);
    assignments.push({ taskId: task.id, workerId: w.id });
  }
  return {
    assignments,
    unplaceable,
    cursor,
    remaining,
    limits: { queueBudget, keyBudget, pausedQueues: input.limits.pausedQueues },
  };
}

type Candidate = PlacementWorker & { freeResources: ResourceRequest };

function choose(
  pool: Candidate[],
  strategy: PlacementStrategy,
  cursor: number,
  random: () => number,
): { worker: Candidate; cursor: number } {
  switch (strategy) {
    case 'least-loaded': {
      // Most free slots relative to capacity; ties go to the most free slots, then the id.
      let best = pool[0]!;
      for (const w of pool) {
        const a = w.freeSlots / w.capacity;
        const b = best.freeSlots / best.capacity;
        if (
          a > b ||
          (a === b && w.freeSlots > best.freeSlots) ||
          (a === b && w.freeSlots === best.freeSlots && w.id < best.id)
        )
          best = w;
      }
      return { worker: best, cursor };
    }
    case 'round-robin': {
      const sorted = [...pool].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const i = cursor % sorted.length;
      return { worker: sorted[i]!, cursor: cursor + 1 };
    }
    case 'random':
      return { worker: pool[Math.floor(random() * pool.length)]!, cursor };
    case 'weighted': {
      const total = pool.reduce((s, w) => s + Math.max(0, w.weight), 0);
      if (total <= 0) return { worker: pool[0]!, cursor };
      let r = random() * total;
      for (const w of pool) {
        r -= Math.max(0, w.weight);
        if (r < 0) return { worker: w, cursor };
      }
      return { worker: pool[pool.length - 1]!, cursor };
    }
  }
}
