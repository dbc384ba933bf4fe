import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { ChaosCluster } from '../helpers/chaos-cluster.js';
import { saveChaosReport } from '../helpers/chaos-report.js';
import { tempDir } from '../helpers/temp.js';
import { blockLongerThanLease, blockShorterThanLease } from './scenarios/blocking-handler.js';
import { partition } from './scenarios/partition.js';

// The worker cases at a larger size than in `npm test`: longer partitions, more tasks beside
// the blocking handler.
const tmp = tempDir('chronoq-worker-faults-');
let cluster: ChaosCluster;

beforeAll(async () => {
  cluster = await ChaosCluster.start({
    db: `sqlite:${tmp.dir}/faults.db`,
    dir: tmp.dir,
    replicas: 1,
    workers: [],
    concurrency: 16,
    timing: { lease: '2s', leaseRenew: '500ms', workerLease: '3s', workerHeartbeat: '300ms' },
  });
});

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
      taskMs: 12_000,
      timeoutMs: 60_000,
    });
    saveChaosReport('partition', report);
  });

  it('blocked by a handler for longer than the heartbeat: nothing runs twice', async () => {
    await cluster.startWorker('steady');
    const report = await blockShorterThanLease(cluster, {
      workerId: 'steady',
      blockMs: 2000,
      others: 15,
      timeoutMs: 60_000,
    });
    saveChaosReport('block-short', report);
  });

  it('blocked past its lease: lost, its tasks rescued under new attempts, late reports refused', async () => {
    await cluster.startWorker('stuck');
    const report = await blockLongerThanLease(cluster, {
      workerId: 'stuck',
      otherId: 'rescuer',
      blockMs: 8000,
      others: 10,
      timeoutMs: 60_000,
    });
    saveChaosReport('block-long', report);
  });
});
