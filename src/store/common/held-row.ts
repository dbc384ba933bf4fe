import type { HeldTask } from '../../domain/held.js';

/** A row of the held-tasks query, spelled the same in both drivers. */
export interface HeldRow {
  id: string;
  attempt: number;
  worker_id: string | null;
  queue: string;
  concurrency_key: string | null;
  res_cpu: number;
  res_memory_mb: number;
}

export function rowToHeld(r: HeldRow): HeldTask {
  return {
    id: r.id,
    attempt: r.attempt,
    workerId: r.worker_id,
    queue: r.queue,
    concurrencyKey: r.concurrency_key,
    cpu: r.res_cpu,
    memoryMb: r.res_memory_mb,
  };
}
