import { describe, it } from 'vitest';
import { useChaosCluster } from '../helpers/chaos-suite.js';
import { postgresRestart } from './scenarios/postgres-restart.js';

// The short version, part of `npm test`; `npm run test:chaos` runs the full one. Always on a
// Postgres server of its own (never the one CHRONOQ_TEST_POSTGRES_URL names): it crashes it.
const suite = useChaosCluster('pg-restart', {
  postgres: { ownServer: true, durableCommits: true },
  cluster: {
    replicas: 2,
    workers: ['w1', 'w2'],
    concurrency: 8,
  },
  setupMs: 120_000,
});

describe('Postgres crashed and restarted under load', () => {
  it('servers and workers reconnect by themselves; nothing acknowledged is lost, nothing stuck', async () => {
    const report = await postgresRestart(suite.cluster, {
      db: suite.db,
      restarts: 2,
      downMs: 1000,
      batch: 10,
      batchesPerS: 5,
      betweenMs: 1000,
      timeoutMs: 60_000,
    });
    console.log('postgres restart (short):', JSON.stringify(report));
  }, 120_000);
});
