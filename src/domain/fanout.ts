import { isTerminal, type NewTask, type Task, type TaskError } from './task.js';

/**
 * Fan-out: a task with `shards: N` runs as N children, a task with `broadcast: true` as one
 * child per live matching worker. The parent runs (on no worker) while they do, and ends by this
 * policy: it succeeds when every child succeeds, its result the array of their results in shard
 * order; it fails as soon as one child fails after its retries (or is cancelled), and the other
 * children are stopped.
 */

/** The children of a ready fan-out parent; `workers` are the ids a broadcast runs on. */
export function fanOutChildren(parent: Task, workers: readonly string[]): NewTask[] {
  const attempt = parent.attempt + 1;
  const pinned = parent.flow.broadcast === true ? [...workers].sort() : null;
  const total = pinned ? pinned.length : (parent.flow.shards ?? 1);
  const children: NewTask[] = [];
  for (let index = 0; index < total; index++) {
    children.push({
      type: parent.type,
      queue: parent.queue,
      payload: parent.payload,
      priority: parent.priority,
      runAt: null,
      maxAttempts: parent.maxAttempts,
      backoff: parent.backoff,
      timeoutMs: parent.timeoutMs,
      idempotencyKey: null,
      // The key holds for the fan-out as a whole: the running parent keeps it.
      concurrencyKey: null,
      executor: parent.executor,
      restart: parent.restart,
      selector: parent.selector,
      tolerations: parent.tolerations,
      resources: parent.resources,
      labels: parent.labels,
      workflowId: null,
      stepId: parent.stepId,
      scheduleId: null,
      fireAt: null,
      parentId: parent.id,
      flow: {
        parentAttempt: attempt,
        shard: { index, total },
        ...(pinned ? { worker: pinned[index]! } : {}),
      },
      blocked: false,
    });
  }
  return children;
}

export type FanInOutcome = { ok: true; result: unknown[] } | { ok: false; error: TaskError };

export interface FanInPlan {
  /** How the parent ends now; null while it waits (or when it has ended already). */
  outcome: FanInOutcome | null;
  /** Children to stop: the parent ended, or a sibling failed. */
  stop: string[];
}

/** What a fan-out parent does given its children (those made by its current attempt). */
export function planFanIn(parent: Task, allChildren: readonly Task[]): FanInPlan {
  const children = allChildren
    .filter((c) => c.flow.parentAttempt === parent.attempt)
    .sort((a, b) => (a.flow.shard?.index ?? 0) - (b.flow.shard?.index ?? 0));
  const active = children.filter((c) => !isTerminal(c.state)).map((c) => c.id);
  if (isTerminal(parent.state)) return { outcome: null, stop: active };
  if (parent.state !== 'running' || parent.workerId !== null) return { outcome: null, stop: [] };
  const bad = children.filter((c) => c.state !== 'succeeded' && isTerminal(c.state));
  if (bad.length > 0) {
    const first = bad[0]!;
    const index = first.flow.shard?.index ?? 0;
    return {
      outcome: {
        ok: false,
        error: {
          message: `child ${index + 1} of ${children.length} ${first.state}${
            first.error ? `: ${first.error.message}` : ''
          }`,
          code: 'CHILD_FAILED',
          childId: first.id,
          shard: index,
        },
      },
      stop: active,
    };
  }
  if (active.length > 0) return { outcome: null, stop: [] };
  return { outcome: { ok: true, result: children.map((c) => c.result ?? null) }, stop: [] };
}
