import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '../../src/store/testing/postgres-server.js';
import { ChaosCluster } from '../helpers/chaos-cluster.js';
import { tempDir } from '../helpers/temp.js';
import { postgresRestart } from './scenarios/postgres-restart.js';

// The short version, part of `npm test`; `npm run test:chaos` runs the full one. Always on a
// Postgres server of its own (never the one CHRONOQ_TEST_POSTGRES_URL names): it crashes it.
const tmp = tempDir('chronoq-pg-restart-');
let db: TestDatabase;
let cluster: ChaosCluster;

beforeAll(async () => {
  db = await startTestDatabase({ ownServer: true, durableCommits: true });
  cluster = await ChaosCluster.start({
    db: db.url,
    dir: tmp.dir,
    replicas: 2,
    workers: ['w1', 'w2'],
    concurrency: 8,
  });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await db?.stop();
  tmp.cleanup();
});

describe('Postgres crashed and restarted under load', () => {
  it('servers and workers reconnect by themselves; nothing acknowledged is lost, nothing stuck', async () => {
    const report = await postgresRestart(cluster, {
      db,
      restarts: 2,
      downMs: 1000,
      batch: 10,
      batchesPerS: 5,
      betweenMs: 1000,
      timeoutMs: 60_000,
    });
    console.log('postgres restart (short):', JSON.stringify(report));
  }, 120_000);
});
