import { describe, it } from 'vitest';
import { useChaosCluster } from '../helpers/chaos-suite.js';
import { leaderFaults } from './scenarios/leader-faults.js';

// The short version, part of `npm test`; `npm run test:chaos` runs the full one.
const suite = useChaosCluster('leader-faults', {
  postgres: {},
  cluster: {
    replicas: 2,
    workers: ['w1', 'w2'],
    concurrency: 8,
  },
  setupMs: 120_000,
});

describe('the leader killed -9 or frozen past its lease (Postgres, 2 replicas)', () => {
  it('fails over, and no deposed leader places anything', async () => {
    const report = await leaderFaults(suite.cluster, {
      db: suite.db.url,
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
