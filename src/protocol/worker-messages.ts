import { z } from 'zod';
import { executorSchema, resourcesSchema } from './task-spec.js';

/** Bumped on any incompatible change of the messages below. */
export const PROTOCOL_VERSION = 1;

const id = z.string().min(1).max(200);
const attempt = z.int().min(1);
const want = z.enum(['run', 'pause', 'cancel']);
const errorSchema = z.looseObject({
  message: z.string().max(100_000),
  code: z.string().optional(),
});

/** A task the leader wants a worker to hold, with the wanted state. */
export const assignmentSchema = z.object({
  id,
  attempt,
  want,
  type: z.string(),
  queue: z.string(),
  payload: z.unknown(),
  executor: executorSchema,
  timeoutMs: z.int().nullable(),
  labels: z.record(z.string(), z.string()),
  workflowId: z.string().nullable(),
  stepId: z.string().nullable(),
  /** Results of the workflow parents, by step id. */
  parents: z.record(z.string(), z.unknown()).optional(),
  /** A shard of a sharded task (or a broadcast's copy): its place among its siblings. */
  shard: z
    .object({ index: z.int().min(0), total: z.int().min(1) })
    .nullable()
    .optional(),
  /** The submitter's W3C trace context: the execution span is its child. */
  trace: z
    .object({ traceparent: z.string().max(100), tracestate: z.string().max(8192).optional() })
    .nullable()
    .optional(),
});
export type AssignmentMessage = z.infer<typeof assignmentSchema>;

export const reportSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('started'), taskId: id, attempt }),
  z.strictObject({
    kind: z.literal('progress'),
    taskId: id,
    attempt,
    progress: z.number().finite(),
  }),
  z.strictObject({ kind: z.literal('paused'), taskId: id, attempt }),
  z.strictObject({ kind: z.literal('resumed'), taskId: id, attempt }),
  z.strictObject({ kind: z.literal('succeeded'), taskId: id, attempt, result: z.unknown() }),
  z.strictObject({
    kind: z.literal('failed'),
    taskId: id,
    attempt,
    error: errorSchema,
    retryable: z.boolean().optional(),
  }),
  z.strictObject({
    kind: z.literal('snoozed'),
    taskId: id,
    attempt,
    delayMs: z.int().min(0),
  }),
  z.strictObject({ kind: z.literal('cancelled'), taskId: id, attempt }),
]);
export type ReportMessage = z.infer<typeof reportSchema>;

export const logLineSchema = z.strictObject({
  taskId: id,
  attempt,
  stream: z.enum(['stdout', 'stderr', 'log', 'system']),
  line: z.string().max(64 * 1024),
  at: z.number(),
});
export type LogLineMessage = z.infer<typeof logLineSchema>;

/** An attempt a worker holds: in `register` (`running`) and in each heartbeat (`holding`). */
export const heldAttemptSchema = z.strictObject({ taskId: id, attempt });
export type HeldAttempt = z.infer<typeof heldAttemptSchema>;

export const registerSchema = z.strictObject({
  type: z.literal('register'),
  protocolVersion: z.int(),
  id: id.optional(),
  name: z.string().min(1).max(200),
  labels: z.record(z.string(), z.string()).default({}),
  taints: z
    .array(
      z.strictObject({
        key: z.string().min(1),
        value: z.string().optional(),
        effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
      }),
    )
    .default([]),
  capacity: z.int().min(1).max(100_000),
  /** Assignments taken beyond `capacity`, queued on the worker until a slot frees. */
  prefetch: z.int().min(0).max(100_000).default(0),
  resources: resourcesSchema.default({}),
  types: z.array(z.string()).nullable(),
  executors: z.array(z.enum(['function', 'process', 'http'])),
  queues: z.array(z.string()).nullable().default(null),
  weight: z.number().min(0).default(1),
  /** What it holds now: the list half of list-then-watch on reconnect. */
  running: z.array(heldAttemptSchema).default([]),
  version: z.string().default(''),
});
export type RegisterMessage = z.input<typeof registerSchema>;

export const workerToServerSchema = z.discriminatedUnion('type', [
  registerSchema,
  z.strictObject({
    type: z.literal('heartbeat'),
    load: z.int().min(0),
    /**
     * How many server messages of this connection the worker had handled when it sent this, and
     * every attempt it holds then (as `running` in `register`). With both, the server hands back
     * an attempt it sent in an earlier message that the worker does not hold: it was lost.
     */
    received: z.int().min(0).optional(),
    holding: z.array(heldAttemptSchema).max(100_000).optional(),
  }),
  /** The worker is shutting down: place nothing more on it. */
  z.strictObject({ type: z.literal('drain') }),
  z.strictObject({
    type: z.literal('reports'),
    /** Numbers the message: the server acknowledges it (`ack`) once its reports are written. */
    seq: z.int().min(0).optional(),
    reports: z.array(reportSchema).max(10_000),
    logs: z.array(logLineSchema).max(10_000).default([]),
  }),
]);
export type WorkerToServer = z.input<typeof workerToServerSchema>;

export type ServerToWorker =
  | {
      type: 'welcome';
      workerId: string;
      protocolVersion: number;
      heartbeatMs: number;
      leaseMs: number;
    }
  /** `full`: the whole wanted set (after register); anything not listed is to be stopped. */
  | { type: 'assign'; tasks: AssignmentMessage[]; full: boolean }
  | { type: 'want'; taskId: string; attempt: number; want: 'run' | 'pause' | 'cancel' }
  /** Stop this attempt and forget it: it is no longer this worker's (stale, timed out, lost). */
  | { type: 'revoke'; taskId: string; attempt: number; reason: string }
  | { type: 'error'; code: string; message: string }
  /** The reports messages up to `seq` are written: their final reports need not be kept. */
  | { type: 'ack'; seq: number };
