// Chronoq as the peer comparison runs it: real `chronoq server` / `chronoq worker` processes,
// driven through the HTTP API (bench/chronoq-system.js), with the `bench.stamp` handler loaded.
import { untilWorkersLive } from '../chronoq-api.js';
import { BENCH_HANDLERS, chronoqSystem } from '../chronoq-system.js';
import { split } from '../cluster.js';
import { makeClient } from '../http.js';
import { createDatabase } from '../postgres.js';
import { startClusterServerProcess, startServerProcess } from '../server-process.js';
import { startWorkerProcess } from '../worker-process.js';

const HANDLERS = ['--handlers', BENCH_HANDLERS];

/** One `chronoq server` on SQLite, its local worker pool at concurrency 50. */
export async function startChronoqEmbedded({ port, prefetch }) {
  const server = await startServerProcess({
    port,
    concurrency: 50,
    extraArgs: [...HANDLERS, '--prefetch', String(prefetch)],
  });
  return {
    system: chronoqSystem(server.base),
    workerPids: [server.pid], // the embedded server is its own worker
    stop: () => server.stop(),
  };
}

/**
 * `chronoq server --db postgres://… --no-worker` on a fresh database, plus `workers` remote
 * `chronoq worker` processes sharing 50 slots.
 */
export async function startChronoqCluster({ pgUrl, workers, prefetch }) {
  const db = await createDatabase(pgUrl);
  let server;
  const started = [];
  const stop = async () => {
    await Promise.all(started.map((w) => w.stop(10_000)));
    if (server) await server.stop(20_000);
    await db.drop();
  };
  try {
    server = await startClusterServerProcess({ db: db.url, extraArgs: HANDLERS });
    const results = await Promise.allSettled(
      split(50, workers).map((concurrency, i) =>
        startWorkerProcess({
          url: server.base,
          id: `bench-w${i + 1}`,
          concurrency,
          prefetch,
          extraArgs: HANDLERS,
        }),
      ),
    );
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    await untilWorkersLive(makeClient(server.base), workers);
    return {
      system: chronoqSystem(server.base),
      workerPids: started.map((w) => w.pid),
      serverPid: server.pid,
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
