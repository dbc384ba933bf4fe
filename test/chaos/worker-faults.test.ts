import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { ChaosCluster } from '../helpers/chaos-cluster.js';
import { tempDir } from '../helpers/temp.js';
import { blockLongerThanLease, blockShorterThanLease } from './scenarios/blocking-handler.js';
import { partition } from './scenarios/partition.js';

// One embedded server (SQLite) and workers started by each case. Heartbeat 300 ms, worker lease
// 3 s. Part of `npm test`; `npm run test:chaos` runs the same cases.
const tmp = tempDir('chronoq-worker-faults-');
let cluster: ChaosCluster;

beforeAll(async () => {
  cluster = await ChaosCluster.start({
    db: `sqlite:${tmp.dir}/faults.db`,
    dir: tmp.dir,
    replicas: 1,
    workers: [],
    concurrency: 8,
    timing: { lease: '2s', leaseRenew: '500ms', workerLease: '3s', workerHeartbeat: '300ms' },
  });
}, 60_000);

// Each case starts its own workers; none outlives it (not even when the case fails).
afterEach(async () => {
  for (const id of [...(cluster?.workers.keys() ?? [])]) await cluster.stopWorker(id);
});

afterAll(async () => {
  await cluster?.stop();
  tmp.cleanup();
});

describe('a worker in trouble', () => {
  it('cut off by the network past its lease: its task is rescued, its late report refused', async () => {
    const report = await partition(cluster, {
      cutId: 'cut',
      otherId: 'other',
      taskMs: 6000,
      timeoutMs: 30_000,
    });
    console.log('partition:', JSON.stringify(report));
  }, 90_000);

  it('blocked by a handler for longer than the heartbeat: nothing runs twice', async () => {
    await cluster.startWorker('steady');
    const report = await blockShorterThanLease(cluster, {
      workerId: 'steady',
      blockMs: 1500,
      others: 6,
      timeoutMs: 30_000,
    });
    console.log('block < lease:', JSON.stringify(report));
  }, 90_000);

  it('blocked past its lease: lost, its tasks rescued under new attempts, late reports refused', async () => {
    await cluster.startWorker('stuck');
    const report = await blockLongerThanLease(cluster, {
      workerId: 'stuck',
      otherId: 'rescuer',
      blockMs: 4500,
      others: 3,
      timeoutMs: 30_000,
    });
    console.log('block > lease:', JSON.stringify(report));
  }, 90_000);
});
