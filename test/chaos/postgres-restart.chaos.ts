import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '../../src/store/testing/postgres-server.js';
import { ChaosCluster } from '../helpers/chaos-cluster.js';
import { saveChaosReport } from '../helpers/chaos-report.js';
import { tempDir } from '../helpers/temp.js';
import { postgresRestart } from './scenarios/postgres-restart.js';

// Always on a Postgres server of its own (never the one CHRONOQ_TEST_POSTGRES_URL names).
const tmp = tempDir('chronoq-pg-restart-');
let db: TestDatabase;
let cluster: ChaosCluster;

beforeAll(async () => {
  db = await startTestDatabase({ ownServer: true, durableCommits: true });
  cluster = await ChaosCluster.start({
    db: db.url,
    dir: tmp.dir,
    replicas: 2,
    workers: ['w1', 'w2', 'w3'],
    concurrency: 16,
  });
});

afterAll(async () => {
  await cluster?.stop();
  await db?.stop();
  tmp.cleanup();
});

describe('Postgres crashed (pg_ctl stop -m immediate) and restarted under load, 5 times', () => {
  it('servers and workers reconnect by themselves; nothing acknowledged is lost, nothing stuck', async () => {
    const report = await postgresRestart(cluster, {
      db,
      restarts: 5,
      downMs: 3000,
      batch: 20,
      batchesPerS: 10,
      betweenMs: 5000,
      timeoutMs: 5 * 60_000,
    });
    saveChaosReport('postgres-restart', report);
  });
});
