import type { SchedulePatch, ScheduleSpec } from '../client/index.js';
import type { ReadFile } from './args.js';
import { UsageError } from './exit.js';
import { parseDurationFlag, parseIntFlag, parseTimeFlag } from './flag-values.js';
import { specFromFlags, type TaskFlags } from './spec-from-flags.js';

/** The options of `schedule add` and `schedule set`, as typed. */
export interface ScheduleFlags extends Omit<TaskFlags, 'at' | 'delay' | 'key'> {
  cron?: string;
  tz?: string;
  every?: string;
  at?: string;
  overlap?: string;
  misfire?: string;
  start?: string;
  end?: string;
  maxRuns?: string;
  jitter?: string;
  /** The task type (default: the schedule's name). */
  type?: string;
}

const OVERLAP = ['allow', 'skip', 'buffer-one', 'cancel-previous'] as const;

/** `skip`, `fire-once`, or `catch-up:N`. */
function parseMisfire(text: string): NonNullable<ScheduleSpec['misfire']> {
  if (text === 'skip' || text === 'fire-once') return text;
  const m = /^catch-?up[:=](\d+)$/.exec(text);
  if (m) return { catchUp: Number(m[1]) };
  throw new UsageError(
    `--misfire: "${text}" is not skip, fire-once or catch-up:N (e.g. catch-up:5)`,
    '--misfire',
  );
}

/** The timing and policy flags given, as spec fields. */
function timingFields(f: ScheduleFlags): SchedulePatch {
  const given = (['cron', 'every', 'at'] as const).filter((k) => f[k] !== undefined);
  if (given.length > 1) {
    throw new UsageError(
      `give one of --cron, --every or --at, not ${given.join(' and ')}`,
      '--cron',
    );
  }
  const out: SchedulePatch = {};
  if (f.cron !== undefined) out.cron = f.cron;
  if (f.every !== undefined) out.every = f.every;
  if (f.at !== undefined) out.at = parseTimeFlag('--at', f.at);
  if (f.tz !== undefined) out.timezone = f.tz;
  if (f.overlap !== undefined) {
    const o = OVERLAP.find((x) => x === f.overlap);
    if (!o) {
      throw new UsageError(
        `--overlap: "${f.overlap}" is not one of ${OVERLAP.join(', ')}`,
        '--overlap',
      );
    }
    out.overlap = o;
  }
  if (f.misfire !== undefined) out.misfire = parseMisfire(f.misfire);
  // `none` clears a bound (`schedule set` only).
  if (f.start !== undefined)
    out.startAt = f.start === 'none' ? null : parseTimeFlag('--start', f.start);
  if (f.end !== undefined) out.endAt = f.end === 'none' ? null : parseTimeFlag('--end', f.end);
  if (f.maxRuns !== undefined) {
    out.maxRuns = f.maxRuns === 'none' ? null : parseIntFlag('--max-runs', f.maxRuns);
  }
  if (f.jitter !== undefined) out.jitterMs = parseDurationFlag('--jitter', f.jitter);
  return out;
}

const TASK_KEYS = [
  'payload',
  'queue',
  'priority',
  'maxAttempts',
  'timeout',
  'concurrencyKey',
  'label',
  'exec',
  'http',
  'restart',
  'type',
] as const;

/** Turn `schedule add` flags into a ScheduleSpec (checked by the client before sending). */
export function scheduleFromFlags(
  name: string,
  f: ScheduleFlags,
  readFile: ReadFile,
): ScheduleSpec {
  const timing = timingFields(f);
  if (timing.cron === undefined && timing.every === undefined && timing.at === undefined) {
    throw new UsageError('give one of --cron, --every or --at', '--cron');
  }
  const { startAt, endAt, maxRuns, ...rest } = timing;
  for (const [flag, value] of [
    ['--start', startAt],
    ['--end', endAt],
    ['--max-runs', maxRuns],
  ] as const) {
    if (value === null) throw new UsageError(`${flag} none: only for \`schedule set\``, flag);
  }
  const task = specFromFlags(f.type ?? name, { ...f, at: undefined }, readFile);
  return {
    name,
    ...rest,
    ...(startAt != null && { startAt }),
    ...(endAt != null && { endAt }),
    ...(maxRuns != null && { maxRuns }),
    task,
  };
}

/** Turn `schedule set` flags into a patch; task flags given replace the whole template. */
export function schedulePatchFromFlags(f: ScheduleFlags, readFile: ReadFile): SchedulePatch {
  const patch = timingFields(f);
  if (TASK_KEYS.some((k) => f[k] !== undefined)) {
    if (f.type === undefined) {
      throw new UsageError('--type: give the task type when changing the task', '--type');
    }
    patch.task = specFromFlags(f.type, { ...f, at: undefined }, readFile);
  }
  if (Object.keys(patch).length === 0) throw new UsageError('nothing to change', '--cron');
  return patch;
}
