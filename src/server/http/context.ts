import type { Clock } from '../../lib/clock.js';
import type { ApiLimits } from './limits.js';
import type { WorkerToServer } from '../../protocol/worker-messages.js';
import type { ConnectionHandlers } from '../../worker/transport.js';
import type { Store } from '../../store/store.js';
import type { Metrics } from '../metrics.js';
import type { QueueCache } from '../queue-cache.js';
import type { SubmitBatcher } from '../submit-batcher.js';
import type { TaskWaiters } from '../task-waiters.js';

/** What route handlers need, built once by the composition root. */
export interface ApiContext {
  store: Store;
  clock: Clock;
  queues: QueueCache;
  metrics: Metrics;
  submits: SubmitBatcher;
  waiters: TaskWaiters;
  replicaId: string;
  version: string;
  /** Accepts worker sessions; set once the gateway is up. */
  gateway?: {
    accept(toWorker: ConnectionHandlers): {
      receive(message: WorkerToServer): void;
      close(reason: string): void;
    };
  };
  /** Bootstrap admin token; null runs the server open (unless tokens are stored). */
  adminToken: string | null;
  /** `/metrics` needs no token (default false: a viewer token or more). */
  metricsPublic?: boolean;
  /** Request, payload, page, worker message and rate limits (defaults: DEFAULT_LIMITS). */
  limits?: Partial<ApiLimits>;
  /** How long token lookups are cached, in ms (default 2000). */
  authCacheMs?: number;
}
