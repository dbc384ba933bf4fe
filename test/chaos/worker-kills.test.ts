import { describe, it } from 'vitest';
import { useChaosCluster } from '../helpers/chaos-suite.js';
import { workerKills } from './scenarios/worker-kills.js';

// The short version, part of `npm test`; `npm run test:chaos` runs the full one.
const suite = useChaosCluster('worker-kills', {
  postgres: {},
  cluster: {
    replicas: 2,
    workers: ['w1', 'w2', 'w3'],
    concurrency: 8,
  },
  setupMs: 120_000,
});

describe('workers killed -9 under load (Postgres, 2 replicas, 3 workers)', () => {
  it('loses nothing, reruns only under new attempt numbers, rescues within the lease + 2 s', async () => {
    const report = await workerKills(suite.cluster, {
      db: suite.db.url,
      tasks: 400,
      everyMs: 1000,
      maxKills: 2,
      workerLeaseMs: 2000,
      timeoutMs: 60_000,
    });
    console.log('worker kills (short):', JSON.stringify(report));
  }, 120_000);
});
