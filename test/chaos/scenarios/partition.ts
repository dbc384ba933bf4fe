import { expect } from 'vitest';
import type { ChaosCluster } from '../../helpers/chaos-cluster.js';
import { call, waitTask, watchChanges } from '../../helpers/http.js';
import { metricSum } from '../../helpers/metrics.js';
import { readRuns, sameAttemptReruns } from '../../helpers/run-log.js';
import { TcpProxy } from '../../helpers/tcp-proxy.js';
import { waitFor } from '../../helpers/wait.js';

export interface PartitionReport {
  /** From the cut until the task ran again on the other worker. */
  rescueMs: number;
  /** How long the worker was cut off. */
  partitionMs: number;
  refusedReports: number;
}

/**
 * A worker reaches the server only through a TCP proxy. It takes a task, then the proxy
 * black-holes its connection past the worker lease: the task must be rescued by the other
 * worker (attempt 2), and when the partition heals, the cut-off worker's report of attempt 1
 * must be refused (fenced by attempt) and change nothing.
 */
export async function partition(
  cluster: ChaosCluster,
  o: { cutId: string; otherId: string; taskMs: number; timeoutMs: number },
): Promise<PartitionReport> {
  const base = cluster.base();
  const proxy = await TcpProxy.start(base);
  try {
    // The other worker is up but cordoned, so that the task goes to the one behind the proxy.
    await cluster.startWorker(o.otherId, [base]);
    expect((await call(base, 'POST', `/api/v1/workers/${o.otherId}/cordon`)).status).toBe(200);
    const cut = await cluster.startWorker(o.cutId, [proxy.url]);
    expect(proxy.accepted).toBeGreaterThan(0);
    const watch = await watchChanges(base);
    // Attempt 1 runs `taskMs`, well past the worker lease; a rescue (attempt 2) is quick.
    const t = await call(base, 'POST', '/api/v1/tasks', {
      type: 'work',
      payload: { ms: o.taskMs, attempts: 1 },
      backoff: { kind: 'fixed', initialMs: 10, jitter: 0 },
    });
    const running = await watch.until((c) => c.id === t.body.id && c.state === 'running');
    watch.close();
    expect(running).toMatchObject({ workerId: o.cutId, attempt: 1 });
    const refusedBefore = await metricSum(base, 'chronoq_worker_reports_refused_total');

    const cutAt = Date.now();
    proxy.blackhole();
    expect((await call(base, 'POST', `/api/v1/workers/${o.otherId}/uncordon`)).status).toBe(200);
    const done = await waitTask(base, t.body.id, o.timeoutMs);
    expect(done).toMatchObject({ state: 'succeeded', attempt: 2, result: { w: o.otherId } });
    const rerun = readRuns(cluster.runLog).find((r) => r.t === t.body.id && r.a === 2);
    // The cut-off worker finished attempt 1 too; its report waits behind the partition.
    await waitFor(
      'the cut-off worker to finish attempt 1',
      () =>
        readRuns(cluster.runLog).some(
          (r) => r.t === t.body.id && r.a === 1 && r.w === o.cutId && r.k === 'e',
        ),
      { timeoutMs: o.timeoutMs },
    );
    const partitionMs = Date.now() - cutAt;
    proxy.heal();

    await waitFor(
      'the late report to be refused',
      async () => (await metricSum(base, 'chronoq_worker_reports_refused_total')) > refusedBefore,
      { timeoutMs: o.timeoutMs },
    );
    const after = await call(base, 'GET', `/api/v1/tasks/${t.body.id}`);
    expect(after.body).toMatchObject({ state: 'succeeded', attempt: 2, result: { w: o.otherId } });
    expect(after.body.attempts.map((a: any) => [a.attempt, a.outcome, a.workerId])).toEqual([
      [1, 'lost', o.cutId],
      [2, 'succeeded', o.otherId],
    ]);
    expect(sameAttemptReruns(readRuns(cluster.runLog))).toEqual([]);
    // The cut-off worker comes back by itself, through the healed proxy.
    await waitFor(
      'the cut-off worker to be live again',
      async () =>
        (await call(base, 'GET', '/api/v1/workers')).body.workers.some(
          (w: any) => w.id === o.cutId && w.status === 'live',
        ),
      { timeoutMs: o.timeoutMs },
    );
    expect(cut.child.exitCode).toBeNull();
    return {
      rescueMs: rerun ? rerun.at - cutAt : -1,
      partitionMs,
      refusedReports:
        (await metricSum(base, 'chronoq_worker_reports_refused_total')) - refusedBefore,
    };
  } finally {
    await proxy.close();
  }
}
