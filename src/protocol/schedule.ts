import { Cron } from 'croner';
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { nameSchema, taskSpecSchema } from './task-spec.js';

const MAX_MS = 10 * 365 * 86_400_000;
/** The shortest interval of an `every` schedule. */
export const MIN_EVERY_MS = 100;

/** Why a cron expression is invalid, or null when it is valid (5 fields, or 6 with seconds). */
export function cronError(expr: string): string | null {
  const fields = expr
    .trim()
    .split(/\s+/)
    .filter((f) => f !== '');
  if (fields.length !== 5 && fields.length !== 6) {
    return `must have 5 fields (minute hour day month weekday) or 6 (seconds first), not ${fields.length}`;
  }
  try {
    new Cron(expr, { paused: true, mode: '5-or-6-parts' });
    return null;
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern: /, '');
  }
}

/** Why a time zone is not a known IANA zone, or null when it is. */
export function timezoneError(zone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return null;
  } catch {
    return 'is not a known IANA time zone (such as "Europe/Berlin" or "UTC")';
  }
}

/** An interval (`30s`, `1h30m` or milliseconds) in ms, or an error. */
export function parseEvery(value: string | number): number | string {
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === null || !Number.isFinite(ms)) return 'must be a duration such as 30s, 5m or 1h30m';
  if (ms < MIN_EVERY_MS) return `must be at least ${MIN_EVERY_MS}ms`;
  if (ms > MAX_MS) return 'must be at most 10 years';
  return ms;
}

const iso = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time' });

export const misfireSchema = z.union([
  z.enum(['skip', 'fire-once']),
  z.strictObject({ catchUp: z.int().min(1).max(10_000) }),
]);

const fields = {
  cron: z.string().min(1, 'must not be empty').max(200).optional(),
  every: z.union([z.string().max(50), z.int()]).optional(),
  at: iso.optional(),
  timezone: z.string().min(1).max(100).optional(),
  overlap: z.enum(['allow', 'skip', 'buffer-one', 'cancel-previous']).optional(),
  misfire: misfireSchema.optional(),
  startAt: iso.optional(),
  endAt: iso.optional(),
  maxRuns: z.int().min(1).max(1_000_000_000).optional(),
  jitterMs: z.int().min(0).max(MAX_MS).optional(),
};

type Fields = {
  cron?: string | undefined;
  every?: string | number | undefined;
  at?: string | undefined;
  timezone?: string | undefined;
  startAt?: string | null | undefined;
  endAt?: string | null | undefined;
  task?: z.output<typeof taskSpecSchema> | undefined;
};

function check(s: Fields, ctx: z.RefinementCtx, create: boolean): void {
  const kinds = (['cron', 'every', 'at'] as const).filter((k) => s[k] !== undefined);
  if (kinds.length > 1) {
    ctx.addIssue({
      code: 'custom',
      path: [kinds[1]!],
      message: `give one of cron, every or at, not both ${kinds[0]} and ${kinds[1]}`,
    });
  } else if (create && kinds.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['cron'], message: 'give one of cron, every or at' });
  }
  if (s.cron !== undefined) {
    const err = cronError(s.cron);
    if (err) ctx.addIssue({ code: 'custom', path: ['cron'], message: err });
  }
  if (s.every !== undefined) {
    const ms = parseEvery(s.every);
    if (typeof ms === 'string') ctx.addIssue({ code: 'custom', path: ['every'], message: ms });
  }
  if (s.timezone !== undefined) {
    const err = timezoneError(s.timezone);
    if (err) ctx.addIssue({ code: 'custom', path: ['timezone'], message: err });
  }
  if (
    typeof s.startAt === 'string' &&
    typeof s.endAt === 'string' &&
    Date.parse(s.endAt) <= Date.parse(s.startAt)
  ) {
    ctx.addIssue({ code: 'custom', path: ['endAt'], message: 'must be after startAt' });
  }
  if (s.task) {
    for (const k of ['runAt', 'delayMs', 'idempotencyKey'] as const) {
      if (s.task[k] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['task', k],
          message:
            k === 'idempotencyKey'
              ? 'not allowed: each run is keyed by its schedule and fire time'
              : 'not allowed: the schedule sets when each run is due',
        });
      }
    }
  }
}

/** A schedule, as defined by users. One schema, shared by the API, the SDK and the CLI. */
export const scheduleSpecSchema = z
  .strictObject({ name: nameSchema, ...fields, task: taskSpecSchema })
  .superRefine((s, ctx) => check(s, ctx, true));
export type ScheduleSpec = z.input<typeof scheduleSpecSchema>;
export type ParsedScheduleSpec = z.output<typeof scheduleSpecSchema>;

/**
 * Changes to a schedule: a new cron, every or at replaces the old kind of timing; `null` clears
 * `startAt`, `endAt` or `maxRuns`.
 */
export const schedulePatchSchema = z
  .strictObject({
    ...fields,
    startAt: iso.nullable().optional(),
    endAt: iso.nullable().optional(),
    maxRuns: z.int().min(1).max(1_000_000_000).nullable().optional(),
    task: taskSpecSchema.optional(),
  })
  .superRefine((s, ctx) => check(s, ctx, false));
export type SchedulePatch = z.input<typeof schedulePatchSchema>;
export type ParsedSchedulePatch = z.output<typeof schedulePatchSchema>;

export const scheduleRefParamSchema = z.strictObject({ id: z.string().min(1).max(200) });
