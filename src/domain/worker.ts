import type { ExecutorKind, ResourceRequest, Taint } from './task.js';

export type WorkerStatus = 'live' | 'lost' | 'stopped';

/** A worker as the store records it. */
export interface WorkerRecord {
  id: string;
  name: string;
  /** The server replica holding its session. */
  replicaId: string;
  status: WorkerStatus;
  labels: Record<string, string>;
  taints: Taint[];
  capacity: number;
  /**
   * Assignments it takes beyond `capacity`, queued on the worker until a slot frees: the next
   * task is there before the last one ends, so a slot never waits on a round trip.
   */
  prefetch: number;
  resources: ResourceRequest;
  /** Handler types it registered; null means it runs any type. */
  types: string[] | null;
  executors: ExecutorKind[];
  queues: string[] | null;
  weight: number;
  cordoned: boolean;
  draining: boolean;
  /** Tasks it reported running at its last heartbeat. */
  load: number;
  version: string;
  startedAt: number;
  heartbeatAt: number;
  /** When the worker counts as lost unless it heartbeats again. */
  expiresAt: number;
}
