/** A task on a worker (assigned, running or paused there): what it holds of that worker. */
export interface HeldTask {
  id: string;
  attempt: number;
  workerId: string | null;
  queue: string;
  concurrencyKey: string | null;
  cpu: number;
  memoryMb: number;
}

/** What the tasks on workers hold, summed per worker, per queue and per concurrency key. */
export interface HeldTotals {
  byWorker: Map<string, { count: number; cpu: number; memoryMb: number }>;
  byQueue: Map<string, number>;
  byKey: Map<string, number>;
}

export function sumHeld(held: Iterable<HeldTask>): HeldTotals {
  const totals: HeldTotals = { byWorker: new Map(), byQueue: new Map(), byKey: new Map() };
  for (const t of held) {
    if (t.workerId !== null) {
      const w = totals.byWorker.get(t.workerId);
      if (w) {
        w.count += 1;
        w.cpu += t.cpu;
        w.memoryMb += t.memoryMb;
      } else totals.byWorker.set(t.workerId, { count: 1, cpu: t.cpu, memoryMb: t.memoryMb });
    }
    totals.byQueue.set(t.queue, (totals.byQueue.get(t.queue) ?? 0) + 1);
    if (t.concurrencyKey !== null) {
      totals.byKey.set(t.concurrencyKey, (totals.byKey.get(t.concurrencyKey) ?? 0) + 1);
    }
  }
  return totals;
}
