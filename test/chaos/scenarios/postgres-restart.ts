import { expect } from 'vitest';
import type { TestDatabase } from '../../../src/store/testing/postgres-server.js';
import type { ChaosCluster } from '../../helpers/chaos-cluster.js';
import { call } from '../../helpers/http.js';
import { startLoad } from '../../helpers/load.js';
import { presentIds, stateCounts, waitAllFinished } from '../../helpers/pg-history.js';
import { readRuns, sameAttemptReruns } from '../../helpers/run-log.js';
import { workSpecs } from '../../helpers/submit.js';
import { waitFor } from '../../helpers/wait.js';

export interface PostgresRestartOptions {
  /** A database on a server this test owns: it is crashed. */
  db: TestDatabase;
  restarts: number;
  /** How long Postgres stays down each time. */
  downMs: number;
  /** Load before, during and after. */
  batch: number;
  batchesPerS: number;
  /** Time under load between restarts. */
  betweenMs: number;
  timeoutMs: number;
}

export interface PostgresRestartReport {
  restarts: number;
  submitted: number;
  submitFailures: number;
  /** From Postgres accepting connections again until every replica answers /readyz. */
  recoveryMs: number[];
  extraRuns: number;
}

/**
 * Crash Postgres (immediate mode) under load and start it again: the same server and worker
 * processes must carry on, every acknowledged submit must be there, and every task must finish.
 */
export async function postgresRestart(
  cluster: ChaosCluster,
  o: PostgresRestartOptions,
): Promise<PostgresRestartReport> {
  const crash = o.db.crash;
  if (!crash) throw new Error('the test must own its Postgres server to crash it');
  const pids = [...cluster.replicas, ...cluster.workers.values()].map((p) => p.child.pid);
  const load = startLoad({
    urls: () => cluster.urls(),
    batch: o.batch,
    batchesPerS: o.batchesPerS,
    spec: () => workSpecs(1)[0]!,
  });
  const recoveryMs: number[] = [];
  let acknowledged: string[] = [];
  try {
    for (let i = 0; i < o.restarts; i++) {
      await new Promise((r) => setTimeout(r, o.betweenMs));
      await crash(() => new Promise((r) => setTimeout(r, o.downMs)));
      const up = Date.now();
      await waitFor(
        'every replica ready again',
        async () => {
          for (const url of cluster.urls()) {
            if ((await call(url, 'GET', '/readyz')).status !== 200) return false;
          }
          return true;
        },
        { timeoutMs: 30_000 },
      );
      recoveryMs.push(Date.now() - up);
    }
    await new Promise((r) => setTimeout(r, o.betweenMs));
  } finally {
    acknowledged = await load.stop();
  }

  await waitAllFinished(o.db.url, o.timeoutMs, (ids) => cluster.explain(ids));
  const counts = await stateCounts(o.db.url);
  expect(Object.keys(counts)).toEqual(['succeeded']);
  expect((await presentIds(o.db.url, acknowledged)).size).toBe(acknowledged.length);
  expect(acknowledged.length).toBeGreaterThan(0);
  // Nobody was restarted: the same processes reconnected.
  const now = [...cluster.replicas, ...cluster.workers.values()];
  expect(now.map((p) => p.child.pid)).toEqual(pids);
  expect(now.every((p) => p.child.exitCode === null)).toBe(true);

  const runs = readRuns(cluster.runLog);
  expect(sameAttemptReruns(runs)).toEqual([]);
  return {
    restarts: o.restarts,
    submitted: acknowledged.length,
    submitFailures: load.failures,
    recoveryMs,
    extraRuns: runs.filter((r) => r.k === 's').length - (counts.succeeded ?? 0),
  };
}
