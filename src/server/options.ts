import { hostname } from 'node:os';
import { compileLimits, type ApiLimits } from './http/limits.js';

/** Options of `startServer`, as a user gives them (CLI flags or code). */
export interface ServerOptions {
  /** `sqlite:./chronoq.db` (default), `sqlite::memory:`, or `postgres://…`. */
  db?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The address other replicas and workers use to reach this one. */
  advertiseUrl?: string;
  /** Run a local worker pool (default true). */
  worker?: boolean;
  /** Slots of the local worker pool (default 50). */
  concurrency?: number;
  /** Tasks the local pool takes beyond its slots, queued until one frees (default 0). */
  prefetch?: number;
  /** Let the local pool run `process` tasks. */
  allowExec?: boolean;
  /** Let the local pool run `http` tasks. */
  allowHttp?: boolean;
  /** Path of a module whose exports (default or named `handlers`) map type names to handlers. */
  handlers?: string;
  /** Bootstrap admin token (env CHRONOQ_ADMIN_TOKEN). */
  adminToken?: string;
  /** Serve `/metrics` without a token even when tokens are required (default false). */
  metricsPublic?: boolean;
  /** Request, payload, page, worker message and rate limits (see `DEFAULT_LIMITS`). */
  limits?: Partial<ApiLimits>;
  /** Stable id of this replica (default: host name and port). */
  replicaId?: string;
  /** Leader lease length and renewal period. */
  leaseMs?: number;
  leaseRenewMs?: number;
  /** Worker heartbeat period and the silence after which a worker is lost. */
  workerHeartbeatMs?: number;
  workerLeaseMs?: number;
  /** How long SIGTERM waits for running tasks before handing them back. */
  shutdownGraceMs?: number;
  /** Delete finished tasks (with their history and logs) this long after they finished. */
  retentionMs?: number | null;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Options with every default applied: what the rest of the server sees. */
export interface CompiledServerOptions {
  db: string;
  host: string;
  port: number;
  advertiseUrl: string | null;
  worker: boolean;
  concurrency: number;
  prefetch: number;
  allowExec: boolean;
  allowHttp: boolean;
  handlers: string | null;
  adminToken: string | null;
  metricsPublic: boolean;
  limits: ApiLimits;
  replicaId: string | null;
  leaseMs: number;
  leaseRenewMs: number;
  workerHeartbeatMs: number;
  workerLeaseMs: number;
  shutdownGraceMs: number;
  retentionMs: number | null;
  logLevel: NonNullable<ServerOptions['logLevel']>;
}

export function compileServerOptions(o: ServerOptions = {}): CompiledServerOptions {
  const env = process.env;
  return {
    db: o.db ?? env.CHRONOQ_DB ?? 'sqlite:./chronoq.db',
    host: o.host ?? env.CHRONOQ_HOST ?? '127.0.0.1',
    port: o.port ?? (env.CHRONOQ_PORT ? Number(env.CHRONOQ_PORT) : 7070),
    advertiseUrl: o.advertiseUrl ?? null,
    worker: o.worker ?? true,
    concurrency: o.concurrency ?? (env.CHRONOQ_CONCURRENCY ? Number(env.CHRONOQ_CONCURRENCY) : 50),
    prefetch: o.prefetch ?? (env.CHRONOQ_PREFETCH ? Number(env.CHRONOQ_PREFETCH) : 0),
    allowExec: o.allowExec ?? false,
    allowHttp: o.allowHttp ?? false,
    handlers: o.handlers ?? null,
    adminToken: o.adminToken || env.CHRONOQ_ADMIN_TOKEN || null,
    metricsPublic: o.metricsPublic ?? false,
    limits: compileLimits(o.limits),
    replicaId: o.replicaId ?? null,
    leaseMs: o.leaseMs ?? 10_000,
    leaseRenewMs: o.leaseRenewMs ?? 3_000,
    workerHeartbeatMs: o.workerHeartbeatMs ?? 2_000,
    workerLeaseMs: o.workerLeaseMs ?? 10_000,
    shutdownGraceMs: o.shutdownGraceMs ?? 10_000,
    retentionMs: o.retentionMs ?? null,
    logLevel: o.logLevel ?? 'info',
  };
}

/**
 * The default replica id. A SQLite file has one server, so its id does not depend on the port:
 * after a crash the restarted server is the same replica and takes its leader lease back at once.
 */
export function defaultReplicaId(db: string, port: number): string {
  return db.startsWith('postgres') ? `${hostname()}:${port}` : `embedded@${hostname()}`;
}
