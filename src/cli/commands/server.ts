import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { RunningServer, ServerOptions } from '../../server/index.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../exit.js';
import { applyLimitFlags, LIMIT_FLAGS, type LimitFlags } from '../limit-flags.js';
import { parseDurationFlag, parseIntFlag } from '../flag-values.js';

interface ServerFlags extends LimitFlags {
  db?: string;
  host?: string;
  port?: string;
  advertiseUrl?: string;
  worker: boolean;
  concurrency?: string;
  prefetch?: string;
  allowExec?: boolean;
  allowHttp?: boolean;
  handlers?: string;
  adminToken?: string;
  metricsPublic?: boolean;
  logLevel?: ServerOptions['logLevel'];
  replicaId?: string;
  lease?: string;
  leaseRenew?: string;
  workerHeartbeat?: string;
  workerLease?: string;
  shutdownGrace?: string;
  retention?: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `chronoq server`: API, dashboard, scheduler and a local worker pool in one process. */
export function registerServerCommand(program: Command, ctx: CliContext): void {
  const server = program
    .command('server')
    .description('run the API, the scheduler and a local worker pool')
    .option('--db <url>', 'sqlite:./chronoq.db, sqlite::memory: or postgres://… (env CHRONOQ_DB)')
    .option('--host <host>', 'address to listen on (env CHRONOQ_HOST, default 127.0.0.1)')
    .option('--port <n>', 'port to listen on, 0 for any (env CHRONOQ_PORT, default 7070)')
    .option('--advertise-url <url>', 'the address other replicas and workers use')
    .option('--no-worker', 'do not start a local worker pool')
    .option(
      '--concurrency <n>',
      'slots of the local worker pool (env CHRONOQ_CONCURRENCY, default 50)',
    )
    .option(
      '--prefetch <n>',
      'tasks the local pool takes beyond its slots, queued until one frees (env CHRONOQ_PREFETCH, default 0)',
    )
    .option('--allow-exec', 'let the local pool run process tasks')
    .option('--allow-http', 'let the local pool run http tasks')
    .option('--handlers <file>', 'module exporting task handlers (default or named "handlers")')
    .option('--admin-token <token>', 'bootstrap admin token (env CHRONOQ_ADMIN_TOKEN)')
    .option('--metrics-public', 'serve /metrics without a token even when tokens are required')
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS))
    .option(
      '--replica-id <id>',
      'stable id of this replica (default: host, and port with Postgres)',
    )
    .option('--lease <duration>', 'leader lease (default 10s)')
    .option('--lease-renew <duration>', 'leader lease renewal period (default 3s)')
    .option('--worker-heartbeat <duration>', 'worker heartbeat period (default 2s)')
    .option('--worker-lease <duration>', 'silence after which a worker is lost (default 10s)')
    .option(
      '--retention <duration>',
      'delete finished tasks, with their history and logs, this long after they finish (e.g. 7d; default: keep)',
    )
    .option(
      '--shutdown-grace <duration>',
      'on SIGTERM, how long running tasks may finish (default 10s)',
    );
  for (const [flag, help] of LIMIT_FLAGS) server.option(flag, help);
  server.action(async (flags: ServerFlags) => {
    const options = serverOptions(flags); // bad flags fail before the server loads
    const start = ctx.io.startServer ?? (await import('../../server/index.js')).startServer;
    const running = await start(options);
    ctx.print(`chronoq server listening on ${running.url}`);
    await untilSignalThenShutdown(ctx, running);
  });
}

/** CLI flags → `ServerOptions`; what is not given is left to the server's defaults and env. */
export function serverOptions(f: ServerFlags): ServerOptions {
  const o: ServerOptions = { worker: f.worker };
  if (f.db !== undefined) o.db = f.db;
  if (f.host !== undefined) o.host = f.host;
  if (f.port !== undefined) {
    const port = parseIntFlag('--port', f.port);
    if (port < 0 || port > 65535) throw new UsageError('--port: must be 0 to 65535', '--port');
    o.port = port;
  }
  if (f.advertiseUrl !== undefined) o.advertiseUrl = f.advertiseUrl;
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
  if (f.allowExec) o.allowExec = true;
  if (f.allowHttp) o.allowHttp = true;
  if (f.handlers !== undefined) o.handlers = resolve(f.handlers);
  if (f.adminToken !== undefined) o.adminToken = f.adminToken;
  if (f.metricsPublic) o.metricsPublic = true;
  const limits = applyLimitFlags(f);
  if (Object.keys(limits).length > 0) o.limits = limits;
  if (f.logLevel !== undefined) o.logLevel = f.logLevel;
  if (f.replicaId !== undefined) o.replicaId = f.replicaId;
  if (f.lease !== undefined) o.leaseMs = parseDurationFlag('--lease', f.lease);
  if (f.leaseRenew !== undefined) o.leaseRenewMs = parseDurationFlag('--lease-renew', f.leaseRenew);
  if (f.workerHeartbeat !== undefined) {
    o.workerHeartbeatMs = parseDurationFlag('--worker-heartbeat', f.workerHeartbeat);
  }
  if (f.workerLease !== undefined)
    o.workerLeaseMs = parseDurationFlag('--worker-lease', f.workerLease);
  if (f.retention !== undefined) o.retentionMs = parseDurationFlag('--retention', f.retention);
  if (f.shutdownGrace !== undefined) {
    o.shutdownGraceMs = parseDurationFlag('--shutdown-grace', f.shutdownGrace);
  }
  if ((o.leaseRenewMs ?? 3000) >= (o.leaseMs ?? 10_000)) {
    throw new UsageError('--lease-renew must be shorter than --lease', '--lease-renew');
  }
  return o;
}

/** Serve until SIGINT/SIGTERM, then shut down gracefully; a second signal leaves at once. */
export async function untilSignalThenShutdown(
  ctx: CliContext,
  server: Pick<RunningServer, 'shutdown'>,
): Promise<void> {
  const signal = await new Promise<string>((done) => {
    const off = ctx.io.onSignal((s) => {
      off();
      done(s);
    });
  });
  ctx.warn(`${signal}: shutting down (again to stop at once)`);
  const off = ctx.io.onSignal(() => ctx.io.exit(1));
  try {
    await server.shutdown();
  } finally {
    off();
  }
}
