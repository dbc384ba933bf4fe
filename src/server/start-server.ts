import { systemClock, type Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { openStore } from '../store/open.js';
import {
  HttpExecutor,
  MemoryTransport,
  ProcessExecutor,
  WorkerRuntime,
  type Executor,
} from '../worker/index.js';
import { WorkerGateway } from './gateway/gateway.js';
import { buildApp } from './http/app.js';
import type { ApiContext } from './http/context.js';
import { loadHandlers } from './load-handlers.js';
import { createLogger } from './logging.js';
import { instrumentStore, Metrics } from './metrics.js';
import { compileServerOptions, defaultReplicaId, type ServerOptions } from './options.js';
import { QueueCache } from './queue-cache.js';
import { ReplicaHeartbeat } from './replica-heartbeat.js';
import type { RunningServer } from './running-server.js';
import { SubmitBatcher } from './submit-batcher.js';
import { TaskWaiters } from './task-waiters.js';
import { recordPlacements } from './tracing.js';
import { VERSION } from './version.js';

export interface StartServerDeps {
  clock?: Clock;
}

/**
 * The composition root: store, HTTP API, worker gateway, scheduler (leader loops) and the local
 * worker pool, started in that order and stopped in reverse.
 */
export async function startServer(
  options: ServerOptions = {},
  deps: StartServerDeps = {},
): Promise<RunningServer> {
  const o = compileServerOptions(options);
  const clock = deps.clock ?? systemClock;
  // JSON lines for machines; readable lines when a person watches the terminal.
  const log = createLogger(o.logLevel);
  const logger = log as unknown as Logger;

  const rawStore = await openStore(o.db);
  await rawStore.migrate();
  let leading = () => false;
  const metrics = new Metrics({ store: rawStore, isLeader: () => leading() });
  const store = instrumentStore(rawStore, metrics.storeLatency);
  const queues = new QueueCache(store);
  const waiters = new TaskWaiters(store);
  const ctx: ApiContext = {
    store,
    clock,
    queues,
    metrics,
    submits: new SubmitBatcher(store, () => clock.now()),
    waiters,
    replicaId: o.replicaId ?? '',
    version: VERSION,
    adminToken: o.adminToken,
    metricsPublic: o.metricsPublic,
    limits: o.limits,
  };
  const app = buildApp(ctx, log);
  await app.listen({ host: o.host, port: o.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const hostForUrl = o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `http://${hostForUrl}:${port}`;
  const replicaId = o.replicaId ?? defaultReplicaId(o.db, port);
  ctx.replicaId = replicaId;
  if (o.adminToken === null && (await store.tokenCount()) === 0) {
    log.warn(
      'no API token is configured or stored: the API is open to anyone who can reach it (set --admin-token or CHRONOQ_ADMIN_TOKEN)',
    );
  }

  const gateway = new WorkerGateway({
    store,
    clock,
    logger: logger.child({ part: 'gateway' }),
    replicaId,
    heartbeatMs: o.workerHeartbeatMs,
    leaseMs: o.workerLeaseMs,
    onReports: (reports, results) => metrics.reported(reports, results, clock.now()),
  });
  gateway.start();
  ctx.gateway = gateway;
  const scheduler = new Scheduler({
    store,
    clock,
    logger: logger.child({ part: 'scheduler' }),
    replicaId,
    leaseMs: o.leaseMs,
    leaseRenewMs: o.leaseRenewMs,
    onAssigned: (tasks) => {
      gateway.deliverAssigned(tasks);
      recordPlacements(tasks);
    },
    onAttemptsEnded: (tasks, why) => metrics.attemptsEnded(tasks, why, clock.now()),
    onScheduleFired: (_s, created, skipped) => {
      for (const t of created) metrics.taskSubmitted(t);
      metrics.scheduleFired(created.length, skipped);
    },
    retentionMs: o.retentionMs,
    onPruned: (count) => metrics.tasksPruned(count),
  });
  leading = () => scheduler.isLeader();
  const heartbeat = new ReplicaHeartbeat({
    store,
    clock,
    logger,
    id: replicaId,
    url: o.advertiseUrl ?? url,
    periodMs: o.leaseRenewMs,
    ttlMs: o.leaseMs,
  });
  await heartbeat.start();
  await scheduler.start();

  let local: WorkerRuntime | null = null;
  if (o.worker) {
    local = new WorkerRuntime({
      id: `local@${replicaId}`,
      name: `local@${replicaId}`,
      capacity: o.concurrency,
      prefetch: o.prefetch,
      handlers: o.handlers ? await loadHandlers(o.handlers) : {},
      executors: localExecutors(o.allowExec, o.allowHttp),
      transport: new MemoryTransport((toWorker) => gateway.accept(toWorker)),
      logger: logger.child({ part: 'worker' }),
    });
    await local.start();
  }
  log.info(
    { url, replicaId, db: o.db.replace(/\/\/[^@]*@/, '//***@') },
    'chronoq server listening',
  );

  let stopping: Promise<void> | null = null;
  const shutdown = (opts: { graceMs?: number } = {}): Promise<void> => {
    stopping ??= (async () => {
      log.info('shutting down');
      await local?.stop({ graceMs: opts.graceMs ?? o.shutdownGraceMs });
      await gateway.stop();
      await scheduler.stop();
      await app.close();
      waiters.close();
      queues.close();
      await heartbeat.stop();
      await store.close();
      log.info('stopped');
    })();
    return stopping;
  };

  return {
    url,
    replicaId,
    shutdown,
    [Symbol.asyncDispose]: () => shutdown({ graceMs: 0 }),
  };
}

function localExecutors(allowExec: boolean, allowHttp: boolean): Executor[] {
  const list: Executor[] = [];
  if (allowExec) list.push(new ProcessExecutor());
  if (allowHttp) list.push(new HttpExecutor());
  return list;
}
