import type { Command } from 'commander';
import { resolve } from 'node:path';
import { Worker, type WorkerOptions } from '../../client/index.js';
import { Option } from 'commander';
import { createLogger, type LogLevel } from '../../server/index.js';
import { loadHandlers } from '../../server/load-handlers.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../exit.js';
import { parseIntFlag, parseListFlag, parseTaintFlags } from '../flag-values.js';
import { untilSignalThenShutdown } from './server.js';

interface WorkerFlags {
  name?: string;
  id?: string;
  queues?: string;
  concurrency?: string;
  prefetch?: string;
  labels?: string;
  taints?: string;
  allowExec?: boolean;
  allowHttp?: boolean | string;
  handlers?: string;
  weight?: string;
  logLevel?: LogLevel;
}

/** `chronoq worker`: a standalone worker process that connects to a server over WebSocket. */
export function registerWorkerCommand(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description('run a worker that takes tasks from a server (over WebSocket)')
    .option('--name <name>', 'shown in `workers ls` (default host:pid)')
    .option('--id <id>', 'stable worker id: after a restart it gets its tasks back at once')
    .option('--queues <a,b>', 'serve only these queues (default all)')
    .option('--concurrency <n>', 'tasks at once (env CHRONOQ_CONCURRENCY, default 50)')
    .option(
      '--prefetch <n>',
      'tasks taken beyond --concurrency, queued here until a slot frees (env CHRONOQ_PREFETCH, default 0)',
    )
    .option('--labels <k=v,..>', 'labels matched by task selectors')
    .option(
      '--taints <k=v:Effect,..>',
      'taints tasks must tolerate (NoSchedule, PreferNoSchedule, NoExecute)',
    )
    .option('--weight <n>', 'share of work under the weighted strategy (default 1)')
    .option('--allow-exec', 'run process tasks')
    .option('--allow-http [hosts]', 'run http tasks, optionally only to these hosts (a,b)')
    .option('--handlers <file>', 'module exporting task handlers (default or named "handlers")')
    .addOption(
      new Option('--log-level <level>', 'log level (default warn)').choices([
        'fatal',
        'error',
        'warn',
        'info',
        'debug',
        'trace',
        'silent',
      ]),
    )
    .action(async (flags: WorkerFlags, cmd: Command) => {
      const g = ctx.globals(cmd);
      const options = workerOptions(flags);
      if (g.url) options.url = g.url.split(',');
      if (g.token) options.token = g.token;
      if (flags.handlers)
        options.handlers = (await loadHandlers(
          resolve(flags.handlers),
        )) as WorkerOptions['handlers'];
      options.logger = createLogger(flags.logLevel ?? 'warn', 'chronoq-worker');
      const worker = new Worker(options);
      // A fatal session error (the token refused, a protocol mismatch) ends the process.
      const failed = new Promise<never>((_resolve, reject) => worker.on('error', reject));
      failed.catch(() => {});
      await worker.start();
      ctx.print(
        `chronoq worker ${worker.id ?? ''} connected to ${options.url ?? ctx.io.env.CHRONOQ_URL ?? 'http://127.0.0.1:7070'}`,
      );
      await Promise.race([untilSignalThenShutdown(ctx, { shutdown: () => worker.stop() }), failed]);
    });
}

/** CLI flags → worker options (what is not given is left to the defaults and env). */
export function workerOptions(f: WorkerFlags): WorkerOptions {
  const o: WorkerOptions = {};
  if (f.name !== undefined) o.name = f.name;
  if (f.id !== undefined) o.id = f.id;
  if (f.queues !== undefined) o.queues = parseListFlag(f.queues);
  if (f.concurrency !== undefined) {
    const n = parseIntFlag('--concurrency', f.concurrency);
    if (n < 1) throw new UsageError('--concurrency: must be at least 1', '--concurrency');
    o.concurrency = n;
  }
  if (f.prefetch !== undefined) {
    const n = parseIntFlag('--prefetch', f.prefetch);
    if (n < 0) throw new UsageError('--prefetch: must be at least 0', '--prefetch');
    o.prefetch = n;
  }
  if (f.labels !== undefined) {
    o.labels = {};
    for (const pair of parseListFlag(f.labels)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--labels: "${pair}" is not key=value`, '--labels');
      o.labels[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  if (f.taints !== undefined) o.taints = parseTaintFlags('--taints', f.taints);
  if (f.weight !== undefined) {
    const w = Number(f.weight);
    if (!Number.isFinite(w) || w < 0)
      throw new UsageError('--weight: must be a number >= 0', '--weight');
    o.weight = w;
  }
  if (f.allowExec) o.allowExec = true;
  if (f.allowHttp !== undefined && f.allowHttp !== false) {
    o.allowHttp = typeof f.allowHttp === 'string' ? { hosts: parseListFlag(f.allowHttp) } : true;
  }
  return o;
}
