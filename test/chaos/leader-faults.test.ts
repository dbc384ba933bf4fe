import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '../../src/store/testing/postgres-server.js';
import { ChaosCluster } from '../helpers/chaos-cluster.js';
import { tempDir } from '../helpers/temp.js';
import { leaderFaults } from './scenarios/leader-faults.js';

// The short version, part of `npm test`; `npm run test:chaos` runs the full one.
const tmp = tempDir('chronoq-leader-faults-');
let db: TestDatabase;
let cluster: ChaosCluster;

beforeAll(async () => {
  db = await startTestDatabase();
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

describe('the leader killed -9 or frozen past its lease (Postgres, 2 replicas)', () => {
  it('fails over, and no deposed leader places anything', async () => {
    const report = await leaderFaults(cluster, {
      db: db.url,
      faults: 2,
      gapMs: [1000, 2000],
      leaseMs: 2000,
      batch: 10,
      batchesPerS: 5,
      timeoutMs: 60_000,
    });
    console.log('leader faults (short):', JSON.stringify(report));
  }, 120_000);
});
