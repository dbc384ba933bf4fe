import { describe, it } from 'vitest';
import { saveChaosReport } from '../helpers/chaos-report.js';
import { useChaosCluster } from '../helpers/chaos-suite.js';
import { blockLongerThanLease, blockShorterThanLease } from './scenarios/blocking-handler.js';
import { partition } from './scenarios/partition.js';

// The worker cases at a larger size than in `npm test`: longer partitions, more tasks beside
// the blocking handler.
const suite = useChaosCluster('worker-faults', {
  cluster: {
    db: (dir) => `sqlite:${dir}/faults.db`,
    replicas: 1,
    workers: [],
    concurrency: 16,
    timing: { lease: '2s', leaseRenew: '500ms', workerLease: '3s', workerHeartbeat: '300ms' },
  },
  stopWorkersAfterEach: true,
});

describe('a worker in trouble', () => {
  it('cut off by the network past its lease: its task is rescued, its late report refused', async () => {
    const report = await partition(suite.cluster, {
      cutId: 'cut',
      otherId: 'other',
      taskMs: 12_000,
      timeoutMs: 60_000,
    });
    saveChaosReport('partition', report);
  });

  it('blocked by a handler for longer than the heartbeat: nothing runs twice', async () => {
    await suite.cluster.startWorker('steady');
    const report = await blockShorterThanLease(suite.cluster, {
      workerId: 'steady',
      blockMs: 2000,
      others: 15,
      timeoutMs: 60_000,
    });
    saveChaosReport('block-short', report);
  });

  it('blocked past its lease: lost, its tasks rescued under new attempts, late reports refused', async () => {
    await suite.cluster.startWorker('stuck');
    const report = await blockLongerThanLease(suite.cluster, {
      workerId: 'stuck',
      otherId: 'rescuer',
      blockMs: 8000,
      others: 10,
      timeoutMs: 60_000,
    });
    saveChaosReport('block-long', report);
  });
});
