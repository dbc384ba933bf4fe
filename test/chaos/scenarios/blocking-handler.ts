import { expect } from 'vitest';
import type { ChaosCluster } from '../../helpers/chaos-cluster.js';
import { call, waitTask } from '../../helpers/http.js';
import { metricSum } from '../../helpers/metrics.js';
import { readRuns, sameAttemptReruns } from '../../helpers/run-log.js';
import { submitAll } from '../../helpers/submit.js';
import { waitFor } from '../../helpers/wait.js';

const spec = (type: 'work' | 'block', ms: number, attempts?: number) => ({
  type,
  payload: { ms, attempts },
  backoff: { kind: 'fixed', initialMs: 10, jitter: 0 },
});

/**
 * A handler blocks its worker's event loop for `blockMs`, longer than the heartbeat period but
 * shorter than the worker lease, while `others` tasks run beside it: the worker is not declared
 * lost, and every task, the blocking one included, runs exactly once.
 */
export async function blockShorterThanLease(
  cluster: ChaosCluster,
  o: { workerId: string; blockMs: number; others: number; timeoutMs: number },
): Promise<{ runs: number }> {
  const base = cluster.base();
  const worker = cluster.workers.get(o.workerId)!;
  const others = await submitAll(
    base,
    Array.from({ length: o.others }, () => spec('work', 600)),
  );
  const [blocker] = await submitAll(base, [spec('block', o.blockMs)]);
  const ids = [...others, blocker!];
  for (const id of ids) {
    const done = await waitTask(base, id, o.timeoutMs);
    expect(done).toMatchObject({ state: 'succeeded', attempt: 1, result: { w: o.workerId } });
  }
  const runs = readRuns(cluster.runLog).filter((r) => ids.includes(r.t) && r.k === 's');
  expect(runs.length).toBe(ids.length);
  const workers = (await call(base, 'GET', '/api/v1/workers')).body.workers;
  expect(workers.find((w: any) => w.id === o.workerId).status).toBe('live');
  expect(worker.child.exitCode).toBeNull();
  return { runs: runs.length };
}

/**
 * A handler blocks its worker's event loop past the worker lease: the worker is declared lost,
 * the blocking task and those beside it run again elsewhere under new attempt numbers, and the
 * blocked worker's late reports are refused.
 */
export async function blockLongerThanLease(
  cluster: ChaosCluster,
  o: { workerId: string; otherId: string; blockMs: number; others: number; timeoutMs: number },
): Promise<{ refused: number; rescued: number }> {
  const base = cluster.base();
  const refusedBefore = await metricSum(base, 'chronoq_worker_reports_refused_total');
  const others = await submitAll(
    base,
    Array.from({ length: o.others }, () => spec('work', 2000)),
  );
  // It blocks on its first attempt only, so that the rescue can finish it.
  const [blocker] = await submitAll(base, [spec('block', o.blockMs, 1)]);
  // The handler wrote its start down before blocking: the worker is stuck from now on.
  await waitFor(
    'the blocking handler to start',
    () => readRuns(cluster.runLog).some((r) => r.t === blocker && r.k === 's'),
    { timeoutMs: o.timeoutMs },
  );
  await cluster.startWorker(o.otherId, [base]);
  const done = await waitTask(base, blocker!, o.timeoutMs);
  expect(done).toMatchObject({ state: 'succeeded', result: { w: o.otherId } });
  expect(done.attempt).toBeGreaterThan(1);
  for (const id of others) expect((await waitTask(base, id, o.timeoutMs)).state).toBe('succeeded');
  // The blocked worker wakes, finishes what it had and reports: refused, nothing changes.
  await waitFor(
    'the blocked worker to finish its attempt',
    () => readRuns(cluster.runLog).some((r) => r.t === blocker && r.a === 1 && r.k === 'e'),
    { timeoutMs: o.timeoutMs },
  );
  await waitFor(
    'its late report to be refused',
    async () => (await metricSum(base, 'chronoq_worker_reports_refused_total')) > refusedBefore,
    { timeoutMs: o.timeoutMs },
  );
  const after = await call(base, 'GET', `/api/v1/tasks/${blocker}`);
  expect(after.body).toMatchObject({
    state: 'succeeded',
    attempt: done.attempt,
    result: done.result,
  });
  expect(sameAttemptReruns(readRuns(cluster.runLog))).toEqual([]);
  const rescued = readRuns(cluster.runLog).filter(
    (r) => [...others, blocker].includes(r.t) && r.w === o.otherId && r.k === 's',
  ).length;
  return {
    refused: (await metricSum(base, 'chronoq_worker_reports_refused_total')) - refusedBefore,
    rescued,
  };
}
