import { z } from 'zod';

/** Names of queues, types and keys: printable, no spaces, bounded. */
export const nameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[A-Za-z0-9_.:@/+-]+$/, 'may hold letters, digits and _ . : @ / + - only');

const stringMap = z.record(
  z.string().min(1).max(200),
  z.string().max(1000, 'must be at most 1000 characters'),
);

const MAX_MS = 10 * 365 * 86_400_000;

/** Most children of one sharded task. */
export const MAX_SHARDS = 1000;

export const backoffSchema = z.strictObject({
  kind: z.enum(['exponential', 'fixed']).optional(),
  initialMs: z.int().min(0).max(MAX_MS).optional(),
  maxMs: z.int().min(0).max(MAX_MS).optional(),
  jitter: z.number().min(0).max(1).optional(),
});

export const executorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('function') }),
  z.strictObject({
    kind: z.literal('process'),
    command: z.array(z.string().max(10_000)).min(1, 'must name a program').max(1000),
    env: stringMap.optional(),
    cwd: z.string().min(1).max(4096).optional(),
  }),
  z.strictObject({
    kind: z.literal('http'),
    url: z.url({ protocol: /^https?$/ }).max(8192),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).optional().default('POST'),
    headers: stringMap.optional(),
  }),
]);

export const tolerationSchema = z.strictObject({
  key: z.string().min(1).max(200),
  operator: z.enum(['Equal', 'Exists']).optional(),
  value: z.string().max(200).optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
});

export const resourcesSchema = z.strictObject({
  cpu: z.number().min(0).max(100_000).optional(),
  memoryMb: z.int().min(0).max(100_000_000).optional(),
});

/** What is submitted. One schema, shared by the API, the SDK and the CLI. */
export const taskSpecSchema = z
  .strictObject({
    type: nameSchema,
    queue: nameSchema.optional(),
    payload: z.unknown().optional(),
    priority: z.int().min(-1_000_000).max(1_000_000).optional(),
    runAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time' }).optional(),
    delayMs: z.int().min(0).max(MAX_MS).optional(),
    maxAttempts: z.int().min(1).max(1000).optional(),
    backoff: backoffSchema.optional(),
    timeoutMs: z.int().min(1).max(MAX_MS).optional(),
    idempotencyKey: z.string().min(1).max(400).optional(),
    concurrencyKey: z.string().min(1).max(400).optional(),
    executor: executorSchema.optional(),
    restart: z.enum(['never', 'always', 'on-failure']).optional(),
    selector: stringMap.optional(),
    tolerations: z.array(tolerationSchema).max(100).optional(),
    resources: resourcesSchema.optional(),
    labels: stringMap.optional(),
    /** Run as this many child tasks, each with `ctx.shard = {index, total}`. */
    shards: z.int().min(1).max(MAX_SHARDS).optional(),
    /** Run once on every live worker that matches the task. */
    broadcast: z.boolean().optional(),
  })
  .refine((s) => s.runAt === undefined || s.delayMs === undefined, {
    message: 'give runAt or delayMs, not both',
    path: ['delayMs'],
  })
  .refine((s) => s.shards === undefined || s.broadcast !== true, {
    message: 'give shards or broadcast, not both',
    path: ['broadcast'],
  })
  .refine((s) => (s.shards === undefined && s.broadcast !== true) || s.restart !== 'always', {
    message: 'a sharded or broadcast task cannot be a service (restart: always)',
    path: ['restart'],
  });

export type TaskSpec = z.input<typeof taskSpecSchema>;
export type ParsedTaskSpec = z.output<typeof taskSpecSchema>;

export const MAX_BATCH = 1000;

export const taskBatchSchema = z.strictObject({
  tasks: z
    .array(taskSpecSchema)
    .min(1, 'must hold at least one task')
    .max(MAX_BATCH, `must hold at most ${MAX_BATCH} tasks`),
});
