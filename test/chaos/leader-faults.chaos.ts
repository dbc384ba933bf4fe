import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '../../src/store/testing/postgres-server.js';
import { ChaosCluster } from '../helpers/chaos-cluster.js';
import { saveChaosReport } from '../helpers/chaos-report.js';
import { tempDir } from '../helpers/temp.js';
import { leaderFaults } from './scenarios/leader-faults.js';

const tmp = tempDir('chronoq-leader-faults-');
let db: TestDatabase;
let cluster: ChaosCluster;

beforeAll(async () => {
  db = await startTestDatabase();
  cluster = await ChaosCluster.start({
    db: db.url,
    dir: tmp.dir,
    replicas: 3,
    workers: ['w1', 'w2', 'w3'],
    concurrency: 16,
  });
});

afterAll(async () => {
  await cluster?.stop();
  await db?.stop();
  tmp.cleanup();
});

describe('the leader killed -9 or frozen every 5–15 s (Postgres, 3 replicas, 1-second schedule)', () => {
  it('fails over, no deposed leader places anything, one task per fire time', async () => {
    const report = await leaderFaults(cluster, {
      db: db.url,
      faults: 12,
      gapMs: [5000, 15_000],
      leaseMs: 2000,
      batch: 20,
      batchesPerS: 10,
      timeoutMs: 10 * 60_000,
    });
    saveChaosReport('leader-faults', report);
  });
});
