import { afterAll, afterEach, beforeAll } from 'vitest';
import { startTestDatabase, type TestDatabase } from '../../src/store/testing/postgres-server.js';
import { ChaosCluster, type ChaosClusterOptions } from './chaos-cluster.js';
import { tempDir } from './temp.js';

/** What a fault-suite file works on, set once `beforeAll` has run. */
export interface ChaosSuite {
  cluster: ChaosCluster;
  /** The Postgres database, for files that run on one. */
  db: TestDatabase;
}

export interface ChaosSuiteOptions {
  /** Run on a fresh Postgres database (these options), or on the SQLite file `db` names. */
  postgres?: Parameters<typeof startTestDatabase>[0];
  /** The cluster, but for its database and scratch directory. */
  cluster: Omit<ChaosClusterOptions, 'db' | 'dir'> & { db?: (dir: string) => string };
  /** Stop every worker after each case (cases that start their own). */
  stopWorkersAfterEach?: boolean;
  /** How long starting the database and the cluster may take. */
  setupMs?: number;
}

/**
 * One fault-suite file's lifecycle: a scratch directory, a database, a cluster of server and
 * worker processes started before the cases and stopped after them (even when a case fails).
 */
export function useChaosCluster(name: string, o: ChaosSuiteOptions): ChaosSuite {
  const tmp = tempDir(`chronoq-${name}-`);
  const suite = {} as ChaosSuite;
  beforeAll(async () => {
    const { db: dbOf, ...cluster } = o.cluster;
    let url: string;
    if (o.postgres !== undefined) {
      suite.db = await startTestDatabase(o.postgres);
      url = suite.db.url;
    } else if (dbOf) url = dbOf(tmp.dir);
    else throw new Error('useChaosCluster: give postgres options or cluster.db');
    suite.cluster = await ChaosCluster.start({ ...cluster, db: url, dir: tmp.dir });
  }, o.setupMs ?? 120_000);
  if (o.stopWorkersAfterEach) {
    afterEach(async () => {
      for (const id of [...(suite.cluster?.workers.keys() ?? [])]) {
        await suite.cluster.stopWorker(id);
      }
    });
  }
  afterAll(async () => {
    await suite.cluster?.stop();
    await suite.db?.stop();
    tmp.cleanup();
  });
  return suite;
}
