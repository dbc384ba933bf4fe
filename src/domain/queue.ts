import type { BackoffPolicy } from './task.js';
import type { PlacementStrategy } from './placement.js';

export interface RateLimit {
  count: number;
  intervalMs: number;
}

/** Settings of one queue. A queue exists as soon as it is named; every field has a default. */
export interface QueueSettings {
  name: string;
  paused: boolean;
  /** Most tasks of this queue on workers at once; null is unlimited. */
  concurrency: number | null;
  /** Most task starts per interval; null is unlimited. */
  rateLimit: RateLimit | null;
  /** Most tasks on workers at once per concurrencyKey. */
  keyConcurrency: number;
  strategy: PlacementStrategy;
  /** Defaults applied to specs submitted to this queue. */
  defaults: QueueDefaults;
}

export interface QueueDefaults {
  maxAttempts?: number;
  timeoutMs?: number;
  priority?: number;
  backoff?: BackoffPolicy;
}

export function defaultQueueSettings(name: string): QueueSettings {
  return {
    name,
    paused: false,
    concurrency: null,
    rateLimit: null,
    keyConcurrency: 1,
    strategy: 'least-loaded',
    defaults: {},
  };
}

export interface QueueStats {
  name: string;
  counts: Partial<Record<string, number>>;
}
