import { describe, it } from 'vitest';
import { saveChaosReport } from '../helpers/chaos-report.js';
import { useChaosCluster } from '../helpers/chaos-suite.js';
import { leaderFaults } from './scenarios/leader-faults.js';

const suite = useChaosCluster('leader-faults', {
  postgres: {},
  cluster: {
    replicas: 3,
    workers: ['w1', 'w2', 'w3'],
    concurrency: 16,
  },
});

describe('the leader killed -9 or frozen every 5–15 s (Postgres, 3 replicas, 1-second schedule)', () => {
  it('fails over, no deposed leader places anything, one task per fire time', async () => {
    const report = await leaderFaults(suite.cluster, {
      db: suite.db.url,
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
