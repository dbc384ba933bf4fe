import { expect } from 'vitest';
import type { ChaosCluster } from '../../helpers/chaos-cluster.js';
import { attemptEnds, heldBy, stateCounts, waitAllFinished } from '../../helpers/pg-history.js';
import { readRuns, runningIn, sameAttemptReruns } from '../../helpers/run-log.js';
import { percentile, submitAll, workSpecs } from '../../helpers/submit.js';

export interface WorkerKillsOptions {
  db: string;
  tasks: number;
  /** Kill a worker this often while tasks remain... */
  everyMs: number;
  /** ...at most this many times. */
  maxKills: number;
  /** The worker lease, ms: the bound on rescue time is lease + 2 s. */
  workerLeaseMs: number;
  /** How long the whole run may take. */
  timeoutMs: number;
}

export interface WorkerKillsReport {
  tasks: number;
  kills: number;
  /** Tasks a killed worker held, and how long each took to run again elsewhere. */
  rescued: number;
  rescueP50Ms: number;
  rescueP99Ms: number;
  rescueMaxMs: number;
  /** p99 from the kill until the task runs again, queueing behind the backlog included. */
  rerunP99Ms: number;
  /** Executions beyond one per task (all under a new attempt number). */
  extraRuns: number;
  elapsedMs: number;
  throughputPerS: number;
}

/**
 * Submit `tasks` short tasks, then kill -9 a random worker every `everyMs` and start it again
 * (same id), until the tasks are done. Nothing may be lost, no (task, attempt) may run twice,
 * and the tasks a killed worker held must run again within the worker lease + 2 s.
 */
export async function workerKills(
  cluster: ChaosCluster,
  o: WorkerKillsOptions,
): Promise<WorkerKillsReport> {
  const started = Date.now();
  const ids = await submitAll(() => cluster.base(), workSpecs(o.tasks));
  expect(new Set(ids).size).toBe(o.tasks);

  const victims: { at: number; pid: number; held: { id: string; attempt: number }[] }[] = [];
  const unfinished = async () => {
    const counts = await stateCounts(o.db);
    return o.tasks - (counts.succeeded ?? 0) - (counts.failed ?? 0) - (counts.cancelled ?? 0);
  };
  const workerIds = [...cluster.workers.keys()];
  let seed = 7;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  // The first kill comes as soon as a worker runs tasks, the next ones every `everyMs`; each
  // victim is a random worker among those whose handlers are running at that moment (as the run
  // log says: the store may lag behind on a loaded machine, counting as held tasks the worker
  // already finished), so every kill puts a rescue to the test, however fast the machine works
  // through the backlog.
  let nextKillAt = Date.now();
  while (victims.length < o.maxKills && (await unfinished()) > 0) {
    const wait = nextKillAt - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const start = Math.floor(random() * workerIds.length);
    const order = workerIds.map((_, i) => workerIds[(start + i) % workerIds.length]!);
    const runs = readRuns(cluster.runLog);
    const id = order.find((w) => runningIn(runs, cluster.workers.get(w)!.child.pid!) > 0);
    if (id === undefined) {
      await new Promise((r) => setTimeout(r, 20)); // between tasks: look again
      continue;
    }
    const victim = cluster.workers.get(id)!;
    const at = Date.now();
    await cluster.kill(victim);
    victims.push({ at, pid: victim.child.pid!, held: await heldBy(o.db, id) });
    await cluster.startWorker(id);
    nextKillAt = at + o.everyMs;
  }

  await waitAllFinished(o.db, o.timeoutMs, (ids) => cluster.explain(ids));
  const elapsedMs = Date.now() - started;
  const counts = await stateCounts(o.db);
  expect(counts).toEqual({ succeeded: o.tasks });

  const runs = readRuns(cluster.runLog);
  expect(sameAttemptReruns(runs)).toEqual([]);
  const starts = runs.filter((r) => r.k === 's');
  expect(new Set(starts.map((r) => r.t)).size).toBe(o.tasks);

  // Rescue: from the kill until the task the victim held is back in the queue (its attempt
  // ended as lost) or running again in another process, whichever comes first. Rerun: until it
  // runs again (behind whatever backlog the queue has).
  const rescueMs: number[] = [];
  const rerunMs: number[] = [];
  for (const v of victims) {
    const ends = await attemptEnds(o.db, v.held);
    for (const h of v.held) {
      const end = ends.get(`${h.id}:${h.attempt}`);
      const next = starts.find((r) => r.t === h.id && r.pid !== v.pid && r.at >= v.at);
      if (!next) {
        // It finished on the victim just before the kill, and the report got through.
        expect(end?.kind, `task ${h.id} held by a killed worker never ran again`).toBe('succeeded');
        continue;
      }
      const requeued = end && end.kind !== 'succeeded' ? end.at : Infinity;
      rescueMs.push(Math.min(requeued, next.at) - v.at);
      rerunMs.push(next.at - v.at);
    }
  }
  expect(rescueMs.length, 'kills hit no running task: the test proves nothing').toBeGreaterThan(0);
  const report: WorkerKillsReport = {
    tasks: o.tasks,
    kills: victims.length,
    rescued: rescueMs.length,
    rescueP50Ms: percentile(rescueMs, 50),
    rescueP99Ms: percentile(rescueMs, 99),
    rescueMaxMs: Math.max(...rescueMs),
    rerunP99Ms: percentile(rerunMs, 99),
    extraRuns: starts.length - o.tasks,
    elapsedMs,
    throughputPerS: Math.round((o.tasks / elapsedMs) * 1000),
  };
  expect(report.rescueP99Ms).toBeLessThanOrEqual(o.workerLeaseMs + 2000);
  return report;
}
