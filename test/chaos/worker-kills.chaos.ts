import { describe, it } from 'vitest';
import { saveChaosReport } from '../helpers/chaos-report.js';
import { useChaosCluster } from '../helpers/chaos-suite.js';
import { workerKills } from './scenarios/worker-kills.js';

const suite = useChaosCluster('worker-kills', {
  postgres: {},
  cluster: {
    replicas: 2,
    workers: ['w1', 'w2', 'w3', 'w4'],
    concurrency: 16,
  },
});

describe('20,000 tasks, a worker killed -9 every 2 s (Postgres, 2 replicas, 4 workers)', () => {
  it('loses nothing, reruns only under new attempt numbers, rescues within the lease + 2 s', async () => {
    const report = await workerKills(suite.cluster, {
      db: suite.db.url,
      tasks: 20_000,
      everyMs: 2000,
      maxKills: 1000,
      workerLeaseMs: 2000,
      timeoutMs: 20 * 60_000,
    });
    saveChaosReport('worker-kills', report);
  });
});
