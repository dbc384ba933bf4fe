import { describe, it } from 'vitest';
import { useChaosCluster } from '../helpers/chaos-suite.js';
import { blockLongerThanLease, blockShorterThanLease } from './scenarios/blocking-handler.js';
import { partition } from './scenarios/partition.js';

// One embedded server (SQLite) and workers started by each case. Heartbeat 300 ms, worker lease
// 3 s. Part of `npm test`; `npm run test:chaos` runs the same cases.
const suite = useChaosCluster('worker-faults', {
  cluster: {
    db: (dir) => `sqlite:${dir}/faults.db`,
    replicas: 1,
    workers: [],
    concurrency: 8,
    timing: { lease: '2s', leaseRenew: '500ms', workerLease: '3s', workerHeartbeat: '300ms' },
  },
  stopWorkersAfterEach: true,
  setupMs: 60_000,
});

describe('a worker in trouble', () => {
  it('cut off by the network past its lease: its task is rescued, its late report refused', async () => {
    const report = await partition(suite.cluster, {
      cutId: 'cut',
      otherId: 'other',
      taskMs: 6000,
      timeoutMs: 30_000,
    });
    console.log('partition:', JSON.stringify(report));
  }, 90_000);

  it('blocked by a handler for longer than the heartbeat: nothing runs twice', async () => {
    await suite.cluster.startWorker('steady');
    const report = await blockShorterThanLease(suite.cluster, {
      workerId: 'steady',
      blockMs: 1500,
      others: 6,
      timeoutMs: 30_000,
    });
    console.log('block < lease:', JSON.stringify(report));
  }, 90_000);

  it('blocked past its lease: lost, its tasks rescued under new attempts, late reports refused', async () => {
    await suite.cluster.startWorker('stuck');
    const report = await blockLongerThanLease(suite.cluster, {
      workerId: 'stuck',
      otherId: 'rescuer',
      blockMs: 4500,
      others: 3,
      timeoutMs: 30_000,
    });
    console.log('block > lease:', JSON.stringify(report));
  }, 90_000);
});
