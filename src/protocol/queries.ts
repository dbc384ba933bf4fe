import { z } from 'zod';
import { nameSchema } from './task-spec.js';

export const TASK_STATE_NAMES = [
  'pending',
  'blocked',
  'ready',
  'assigned',
  'running',
  'paused',
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
] as const;

export const taskStateSchema = z.enum(TASK_STATE_NAMES);

/** `state=failed,cancelled` or a single state. */
const stateList = z
  .string()
  .transform((s) => s.split(',').filter((x) => x !== ''))
  .pipe(z.array(taskStateSchema).min(1, 'must name a state'));

export const taskListQuerySchema = z.strictObject({
  state: stateList.optional(),
  queue: nameSchema.optional(),
  type: nameSchema.optional(),
  workflowId: z.string().min(1).max(100).optional(),
  label: z
    .string()
    .regex(/^[^=]+=.*$/, 'must be key=value')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().min(1).max(200).optional(),
});
export type TaskListQuery = z.output<typeof taskListQuerySchema>;

export const waitQuerySchema = z.strictObject({
  timeoutMs: z.coerce.number().int().min(0).max(3_600_000).optional(),
});

export const logsQuerySchema = z.strictObject({
  attempt: z.coerce.number().int().min(1).optional(),
  follow: z.enum(['0', '1', 'true', 'false']).optional(),
  after: z.coerce.number().int().min(0).optional(),
});

export const idParamSchema = z.strictObject({ id: z.string().min(1).max(200) });
export const nameParamSchema = z.strictObject({ name: nameSchema });
