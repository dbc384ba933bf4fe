import { z } from 'zod';
import { parseDuration } from './duration.js';
import { backoffSchema } from './task-spec.js';

export const rateLimitSchema = z.strictObject({
  count: z.int().min(1).max(10_000_000),
  intervalMs: z.int().min(1).max(86_400_000),
});

/** Changes to a queue's settings; `null` clears a limit. */
export const queuePatchSchema = z.strictObject({
  concurrency: z.int().min(1).max(1_000_000).nullable().optional(),
  rateLimit: rateLimitSchema.nullable().optional(),
  keyConcurrency: z.int().min(1).max(1_000_000).optional(),
  strategy: z.enum(['least-loaded', 'round-robin', 'random', 'weighted']).optional(),
  defaults: z
    .strictObject({
      maxAttempts: z.int().min(1).max(1000).optional(),
      timeoutMs: z.int().min(1).optional(),
      priority: z.int().min(-1_000_000).max(1_000_000).optional(),
      backoff: backoffSchema.optional(),
    })
    .optional(),
});
export type QueuePatch = z.output<typeof queuePatchSchema>;

/** Parse `N/INTERVAL` (e.g. `100/1s`, `5/m`) into a rate limit. */
export function parseRate(text: string): { count: number; intervalMs: number } | null {
  const m = /^(\d+)\/(.+)$/.exec(text.trim());
  if (!m) return null;
  const unit = m[2]!;
  const intervalMs = parseDuration(/^\d/.test(unit) ? unit : `1${unit}`);
  const count = Number(m[1]);
  if (intervalMs === null || intervalMs <= 0 || count <= 0) return null;
  return { count, intervalMs };
}
