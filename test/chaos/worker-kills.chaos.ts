import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '../../src/store/testing/postgres-server.js';
import { ChaosCluster } from '../helpers/chaos-cluster.js';
import { saveChaosReport } from '../helpers/chaos-report.js';
import { tempDir } from '../helpers/temp.js';
import { workerKills } from './scenarios/worker-kills.js';

const tmp = tempDir('chronoq-worker-kills-');
let db: TestDatabase;
let cluster: ChaosCluster;

beforeAll(async () => {
  db = await startTestDatabase();
  cluster = await ChaosCluster.start({
    db: db.url,
    dir: tmp.dir,
    replicas: 2,
    workers: ['w1', 'w2', 'w3', 'w4'],
    concurrency: 16,
  });
});

afterAll(async () => {
  await cluster?.stop();
  await db?.stop();
  tmp.cleanup();
});

describe('20,000 tasks, a worker killed -9 every 2 s (Postgres, 2 replicas, 4 workers)', () => {
  it('loses nothing, reruns only under new attempt numbers, rescues within the lease + 2 s', async () => {
    const report = await workerKills(cluster, {
      db: db.url,
      tasks: 20_000,
      everyMs: 2000,
      maxKills: 1000,
      workerLeaseMs: 2000,
      timeoutMs: 20 * 60_000,
    });
    saveChaosReport('worker-kills', report);
  });
});
