import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One execution of a handler, as the handler itself wrote it down when it began. */
export interface RunRecord {
  /** Task id. */
  t: string;
  /** Attempt number the worker was told. */
  a: number;
  /** The WORKER_TAG of the process that ran it. */
  w: string;
  pid: number;
  /** 's' when it began, 'e' when it returned. */
  k: 's' | 'e';
  at: number;
}

/**
 * A handlers module for fault tests: every execution appends a line to the file named by
 * CHAOS_RUN_LOG the moment it begins (a synchronous append survives a kill -9 of the worker
 * right after), so the test can tell how often each (task, attempt) really ran.
 *
 *   work  {ms, attempts}: sleeps `ms` (on attempts up to `attempts`, default all), at
 *     checkpoints, and returns {w, a}.
 *   block {ms, attempts}: blocks the event loop for `ms` (on attempts up to `attempts`, default
 *     all), then returns {w, a}.
 */
export function writeRunLogHandlers(dir: string): { handlers: string; log: string } {
  const handlers = join(dir, 'run-log-handlers.mjs');
  const log = join(dir, 'runs.jsonl');
  writeFileSync(log, '');
  writeFileSync(
    handlers,
    `import { appendFileSync } from 'node:fs';
const LOG = process.env.CHAOS_RUN_LOG;
const TAG = process.env.WORKER_TAG ?? '';
const note = (ctx, k) => appendFileSync(LOG, JSON.stringify({ t: ctx.taskId, a: ctx.attempt, w: TAG, pid: process.pid, k, at: Date.now() }) + '\\n');
export default {
  async work(ctx) {
    note(ctx, 's');
    const upTo = ctx.payload?.attempts ?? Infinity;
    const end = Date.now() + (ctx.attempt <= upTo ? (ctx.payload?.ms ?? 0) : 0);
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, Math.min(20, end - Date.now())));
      await ctx.checkpoint();
    }
    note(ctx, 'e');
    return { w: TAG, a: ctx.attempt };
  },
  block(ctx) {
    note(ctx, 's');
    const upTo = ctx.payload?.attempts ?? Infinity;
    const end = Date.now() + (ctx.attempt <= upTo ? (ctx.payload?.ms ?? 0) : 0);
    while (Date.now() < end) {}
    note(ctx, 'e');
    return { w: TAG, a: ctx.attempt };
  },
};
`,
  );
  return { handlers, log };
}

export function readRuns(log: string): RunRecord[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as RunRecord];
      } catch {
        return []; // a line cut short by a kill
      }
    });
}

/** Executions that began more than once for the same (task, attempt): must be none. */
export function sameAttemptReruns(runs: RunRecord[]): { t: string; a: number; n: number }[] {
  const starts = new Map<string, number>();
  for (const r of runs) {
    if (r.k !== 's') continue;
    const key = `${r.t} ${r.a}`;
    starts.set(key, (starts.get(key) ?? 0) + 1);
  }
  return [...starts]
    .filter(([, n]) => n > 1)
    .map(([key, n]) => {
      const [t, a] = key.split(' ');
      return { t: t!, a: Number(a), n };
    });
}

/** How many executions the process `pid` has begun and not yet returned from. */
export function runningIn(runs: RunRecord[], pid: number): number {
  let n = 0;
  for (const r of runs) if (r.pid === pid) n += r.k === 's' ? 1 : -1;
  return n;
}
