import { describe, it } from 'vitest';
import { saveChaosReport } from '../helpers/chaos-report.js';
import { useChaosCluster } from '../helpers/chaos-suite.js';
import { postgresRestart } from './scenarios/postgres-restart.js';

// Always on a Postgres server of its own (never the one CHRONOQ_TEST_POSTGRES_URL names).
const suite = useChaosCluster('pg-restart', {
  postgres: { ownServer: true, durableCommits: true },
  cluster: {
    replicas: 2,
    workers: ['w1', 'w2', 'w3'],
    concurrency: 16,
  },
});

describe('Postgres crashed (pg_ctl stop -m immediate) and restarted under load, 5 times', () => {
  it('servers and workers reconnect by themselves; nothing acknowledged is lost, nothing stuck', async () => {
    const report = await postgresRestart(suite.cluster, {
      db: suite.db,
      restarts: 5,
      downMs: 3000,
      batch: 20,
      batchesPerS: 10,
      betweenMs: 5000,
      timeoutMs: 5 * 60_000,
    });
    saveChaosReport('postgres-restart', report);
  });
});
