import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from './http.js';
import { spawnServer, spawnWorker, type ServerProcess } from './processes.js';
import { readRuns, writeRunLogHandlers } from './run-log.js';
import { waitFor } from './wait.js';

export interface ChaosClusterOptions {
  /** `postgres://…` or `sqlite:…`. */
  db: string;
  /** A scratch directory (handlers module, run log). */
  dir: string;
  replicas: number;
  /** Worker ids to start. */
  workers: string[];
  /** Slots per worker. */
  concurrency: number;
  /** Leader lease, worker lease and their periods, as `chronoq server` flags. */
  timing?: ClusterTiming;
  /** More `chronoq server` flags. */
  serverFlags?: string[];
}

export interface ClusterTiming {
  lease: string;
  leaseRenew: string;
  workerLease: string;
  workerHeartbeat: string;
}

export const FAST_TIMING: ClusterTiming = {
  lease: '2s',
  leaseRenew: '500ms',
  workerLease: '2s',
  workerHeartbeat: '400ms',
};

const alive = (p: ServerProcess) => p.child.exitCode === null && p.child.signalCode === null;

/**
 * Real `chronoq server` and `chronoq worker` processes on one store, with the run-log handlers
 * (`work`, `block`), to be killed, frozen and restarted by fault tests. `CHAOS_LOG_LEVEL` sets
 * the processes' log level (default warn); `CHAOS_OUTPUT_DIR` names a directory where `explain`
 * writes every process's whole output.
 */
export class ChaosCluster {
  readonly replicas: ServerProcess[] = [];
  readonly workers = new Map<string, ServerProcess>();
  readonly handlers: string;
  /** The file every handler execution is written to (see `readRuns`). */
  readonly runLog: string;

  private constructor(private readonly o: ChaosClusterOptions) {
    const { handlers, log } = writeRunLogHandlers(o.dir);
    this.handlers = handlers;
    this.runLog = log;
  }

  static async start(o: ChaosClusterOptions): Promise<ChaosCluster> {
    const c = new ChaosCluster(o);
    try {
      for (let i = 0; i < o.replicas; i++) await c.startReplica();
      await Promise.all(o.workers.map((id) => c.startWorker(id)));
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  serverArgs(port = 0): string[] {
    const t = this.o.timing ?? FAST_TIMING;
    return [
      '--db',
      this.o.db,
      '--port',
      String(port),
      '--no-worker',
      '--log-level',
      process.env.CHAOS_LOG_LEVEL ?? 'warn',
      '--lease',
      t.lease,
      '--lease-renew',
      t.leaseRenew,
      '--worker-lease',
      t.workerLease,
      '--worker-heartbeat',
      t.workerHeartbeat,
      ...(this.o.serverFlags ?? []),
    ];
  }

  async startReplica(): Promise<ServerProcess> {
    const r = await spawnServer(this.serverArgs());
    this.replicas.push(r);
    return r;
  }

  /** Start a killed replica again on its port, so workers that know its address find it. */
  async restartReplica(old: ServerProcess): Promise<ServerProcess> {
    await this.kill(old);
    const r = await spawnServer(this.serverArgs(Number(new URL(old.url).port)));
    this.replicas[this.replicas.indexOf(old)] = r;
    return r;
  }

  /** Start (or restart, with the same id) a worker, connected to `urls` (default: every live replica). */
  async startWorker(id: string, urls: string[] = this.urls()): Promise<ServerProcess> {
    const w = await spawnWorker(
      [
        '--url',
        urls.join(','),
        '--id',
        id,
        '--concurrency',
        String(this.o.concurrency),
        '--handlers',
        this.handlers,
        '--log-level',
        process.env.CHAOS_LOG_LEVEL ?? 'warn',
      ],
      { WORKER_TAG: id, CHAOS_RUN_LOG: this.runLog },
    );
    this.workers.set(id, w);
    return w;
  }

  /** URLs of the replicas that run. */
  urls(): string[] {
    return this.replicas.filter(alive).map((r) => r.url);
  }

  /** Any replica that runs and is not frozen: `exclude` names the ones not to ask. */
  base(exclude: ServerProcess[] = []): string {
    const r = this.replicas.find((p) => alive(p) && !exclude.includes(p));
    if (!r) throw new Error('no replica runs');
    return r.url;
  }

  /**
   * The replica that leads, as the live replicas agree, waiting for an election if need be;
   * one of those `exclude` names (killed, frozen) does not count.
   */
  async leader(exclude: ServerProcess[] = [], timeoutMs = 30_000): Promise<ServerProcess> {
    return waitFor(
      'a leader',
      async () => {
        const asked = this.replicas.filter((p) => alive(p) && !exclude.includes(p));
        const views = await Promise.all(
          asked.map(async (r) => (await call(r.url, 'GET', '/api/v1/cluster')).body?.leader?.url),
        );
        const url = views[0];
        if (!url || views.some((v) => v !== url)) return undefined;
        return asked.find((r) => r.url === url);
      },
      { timeoutMs, everyMs: 100 },
    );
  }

  /** What the handlers and the processes said of some tasks, for the message of a failed wait. */
  explain(taskIds: string[], tailChars = 4000): string {
    const ids = new Set(taskIds);
    const runs = readRuns(this.runLog).filter((r) => ids.has(r.t));
    const outputs = [...this.replicas.map((p, i) => [`replica ${i}`, p] as const)]
      .concat([...this.workers].map(([id, p]) => [`worker ${id}`, p] as const))
      .map(([name, p]) => `--- ${name} (pid ${p.child.pid}):\n${p.output().slice(-tailChars)}`);
    const keep = process.env.CHAOS_OUTPUT_DIR;
    if (keep) {
      this.replicas.forEach((p, i) => writeFileSync(join(keep, `replica-${i}.log`), p.output()));
      for (const [id, p] of this.workers) writeFileSync(join(keep, `worker-${id}.log`), p.output());
    }
    return [`runs of these tasks: ${JSON.stringify(runs)}`, ...outputs].join('\n');
  }

  async kill(p: ServerProcess): Promise<void> {
    if (!alive(p)) return;
    p.child.kill('SIGKILL');
    await p.exited;
  }

  /** Stop a worker gracefully (SIGTERM), and wait until the servers no longer count it live. */
  async stopWorker(id: string): Promise<void> {
    const w = this.workers.get(id);
    if (!w) return;
    if (alive(w)) {
      w.child.kill('SIGTERM');
      await w.exited;
    }
    this.workers.delete(id);
    await waitFor(`worker ${id} to be gone`, async () => {
      const list = (await call(this.base(), 'GET', '/api/v1/workers')).body.workers;
      return !list.some((x: { id: string; status: string }) => x.id === id && x.status === 'live');
    });
  }

  async stop(): Promise<void> {
    const all = [...this.workers.values(), ...this.replicas];
    for (const p of all) {
      if (alive(p)) {
        p.child.kill('SIGCONT');
        p.child.kill('SIGKILL');
      }
    }
    await Promise.all(all.map((p) => p.exited));
  }
}
