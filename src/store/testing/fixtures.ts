import type { NewTask } from '../../domain/task.js';
import type { WorkerRecord } from '../../domain/worker.js';
import type { LeaderFence, Store } from '../store.js';

/** A fixed epoch so tests never read the clock. */
export const T0 = 1_700_000_000_000;

/** A valid NewTask: a ready `test.echo` function task in queue `default`. */
export function newTask(overrides: Partial<NewTask> = {}): NewTask {
  return {
    type: 'test.echo',
    queue: 'default',
    payload: { n: 1 },
    priority: 0,
    runAt: null,
    maxAttempts: 3,
    // Fixed and without jitter, so retry times are exact.
    backoff: { kind: 'fixed', initialMs: 1000, maxMs: 1000, jitter: 0 },
    timeoutMs: null,
    idempotencyKey: null,
    concurrencyKey: null,
    executor: { kind: 'function' },
    restart: 'never',
    selector: {},
    tolerations: [],
    resources: {},
    labels: {},
    workflowId: null,
    stepId: null,
    scheduleId: null,
    fireAt: null,
    parentId: null,
    flow: {},
    blocked: false,
    ...overrides,
  };
}

/** A live worker record. */
export function newWorker(overrides: Partial<WorkerRecord> = {}): WorkerRecord {
  return {
    id: 'w1',
    name: 'worker one',
    replicaId: 'r1',
    status: 'live',
    labels: {},
    taints: [],
    capacity: 4,
    prefetch: 0,
    resources: {},
    types: null,
    executors: ['function'],
    queues: null,
    weight: 1,
    cordoned: false,
    draining: false,
    load: 0,
    version: '0.1.0',
    startedAt: T0,
    heartbeatAt: T0,
    expiresAt: T0 + 10_000,
    ...overrides,
  };
}

/** Take the `leader` lease for `holder` and return its fence. */
export async function lead(
  store: Store,
  now: number = T0,
  holder = 'leader-1',
  ttlMs = 10_000,
): Promise<LeaderFence> {
  const lease = await store.leaseAcquire('leader', holder, ttlMs, now);
  if (!lease) throw new Error(`${holder} could not take the lease`);
  return { name: lease.name, holder: lease.holder, token: lease.token };
}

/** A `random()` that always returns the same number. */
export const fixedRandom =
  (value = 0.5): (() => number) =>
  () =>
    value;
