import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '../../src/store/testing/postgres-server.js';
import { ChaosCluster } from '../helpers/chaos-cluster.js';
import { tempDir } from '../helpers/temp.js';
import { workerKills } from './scenarios/worker-kills.js';

// The short version, part of `npm test`; `npm run test:chaos` runs the full one.
const tmp = tempDir('chronoq-worker-kills-');
let db: TestDatabase;
let cluster: ChaosCluster;

beforeAll(async () => {
  db = await startTestDatabase();
  cluster = await ChaosCluster.start({
    db: db.url,
    dir: tmp.dir,
    replicas: 2,
    workers: ['w1', 'w2', 'w3'],
    concurrency: 8,
  });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await db?.stop();
  tmp.cleanup();
});

describe('workers killed -9 under load (Postgres, 2 replicas, 3 workers)', () => {
  it('loses nothing, reruns only under new attempt numbers, rescues within the lease + 2 s', async () => {
    const report = await workerKills(cluster, {
      db: db.url,
      tasks: 400,
      everyMs: 1000,
      maxKills: 2,
      workerLeaseMs: 2000,
      timeoutMs: 60_000,
    });
    console.log('worker kills (short):', JSON.stringify(report));
  }, 120_000);
});
