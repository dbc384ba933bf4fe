import { describe, expect, it } from 'vitest';
import type { Store } from '../store.js';
import {
  describeChangeFeed,
  describeLogs,
  describeQueues,
  describeReplicas,
  describeWorkers,
} from './conformance-cluster.js';
import {
  describeAssign,
  describeDeadlines,
  describeLeaderFencing,
  describeLeases,
  describePromote,
  describeRequeue,
} from './conformance-leader.js';
import { describeReports } from './conformance-reports.js';
import { describeTaskCounts } from './conformance-counts.js';
import { describeRetention } from './conformance-retention.js';
import {
  describeOperatorActions,
  describeReading,
  describeSubmission,
} from './conformance-tasks.js';
import { describeSchedules } from './conformance-schedules.js';
import { describeTokens } from './conformance-tokens.js';
import { describeFanOut } from './conformance-fanout.js';
import { describeWorkflows } from './conformance-workflows.js';
import { insertOne, useStore } from './harness.js';

/**
 * The contract every `Store` driver passes. Register it from a driver's test file:
 *
 *   describeStoreConformance('sqlite', () => openSqliteStore(':memory:'));
 *
 * `open` must return a fresh, empty store each time; the suite migrates it before each test
 * and closes it after.
 */
export function describeStoreConformance(name: string, open: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    const h = useStore(open);

    describe('migrate', () => {
      it('is idempotent and keeps data', async () => {
        const store = h.store();
        const t = await insertOne(store);
        await store.migrate();
        await store.migrate();
        expect(await store.taskGet(t.id)).toEqual(t);
      });
    });

    describeSubmission(h);
    describeReading(h);
    describeOperatorActions(h);
    describeLeases(h);
    describeLeaderFencing(h);
    describePromote(h);
    describeAssign(h);
    describeReports(h);
    describeTaskCounts(h);
    describeDeadlines(h);
    describeRequeue(h);
    describeQueues(h);
    describeWorkers(h);
    describeLogs(h);
    describeReplicas(h);
    describeChangeFeed(h);
    describeTokens(h);
    describeSchedules(h);
    describeWorkflows(h);
    describeFanOut(h);
    describeRetention(h);
  });
}
