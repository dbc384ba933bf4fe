// The systems `npm run bench:peers` can compare, in the order of the table's columns. `needs`
// names the services a system cannot run without; `peer` the package in bench/peers/ it uses.
import * as peers from '../peers/settings.js';
import { startChronoqCluster, startChronoqEmbedded } from './chronoq.js';

const HANDLERS =
  'the `bench.stamp` handler loaded with `--handlers bench/chronoq-handlers.js`; tasks submitted with the TypeScript SDK, `new ChronoqClient({ url, batchSubmits: true })`';

export const SYSTEMS = [
  {
    name: 'chronoq-embedded',
    label: 'Chronoq embedded (SQLite)',
    needs: [],
    summary: (ctx) =>
      `\`chronoq server --db sqlite:FILE --concurrency 50 --prefetch ${ctx.prefetch}\`: API, scheduler and local worker pool in one process (SQLite, WAL); ${HANDLERS}.`,
    start: (ctx) => startChronoqEmbedded({ port: ctx.port, prefetch: ctx.prefetch }),
  },
  {
    name: 'chronoq-pg-1w',
    label: 'Chronoq Postgres, 1 worker',
    needs: ['postgres'],
    summary: (ctx) =>
      `\`chronoq server --db postgres://… --no-worker\` + 1 × \`chronoq worker --concurrency 50 --prefetch ${ctx.prefetch}\` (WebSocket session to the server); ${HANDLERS}.`,
    start: (ctx) =>
      startChronoqCluster({ pgUrl: ctx.postgres.url, workers: 1, prefetch: ctx.prefetch }),
  },
  {
    name: 'chronoq-pg-2w',
    label: 'Chronoq Postgres, 2 workers',
    needs: ['postgres'],
    summary: (ctx) =>
      `as above with 2 × \`chronoq worker --concurrency 25 --prefetch ${ctx.prefetch}\` (50 slots in all).`,
    start: (ctx) =>
      startChronoqCluster({ pgUrl: ctx.postgres.url, workers: 2, prefetch: ctx.prefetch }),
  },
  {
    name: 'bullmq',
    label: 'BullMQ (Redis)',
    needs: ['redis'],
    peer: 'bullmq',
    summary: peers.bullmq.summary,
    docs: peers.bullmq.docs,
    start: async (ctx) =>
      (await import('../peers/bullmq.js')).startBullmq({ redisUrl: ctx.redis.url }),
  },
  {
    name: 'pg-boss',
    label: 'pg-boss (Postgres)',
    needs: ['postgres'],
    peer: 'pg-boss',
    summary: peers.pgBoss.summary,
    docs: peers.pgBoss.docs,
    start: async (ctx) =>
      (await import('../peers/pg-boss.js')).startPgBoss({ pgUrl: ctx.postgres.url }),
  },
  {
    name: 'graphile-worker',
    label: 'graphile-worker (Postgres)',
    needs: ['postgres'],
    peer: 'graphile-worker',
    summary: peers.graphileWorker.summary,
    docs: peers.graphileWorker.docs,
    start: async (ctx) =>
      (await import('../peers/graphile-worker.js')).startGraphileWorker({
        pgUrl: ctx.postgres.url,
      }),
  },
];

/** The systems named by `only` (names or name prefixes: `chronoq` is all three), or all. */
export function selectSystems(only) {
  if (!only) return SYSTEMS;
  const picked = SYSTEMS.filter((s) => only.some((o) => s.name === o || s.name.startsWith(o)));
  const unknown = only.filter((o) => !SYSTEMS.some((s) => s.name.startsWith(o)));
  if (unknown.length)
    throw new Error(
      `--only: unknown system(s) ${unknown.join(', ')}; known: ${SYSTEMS.map((s) => s.name).join(', ')}`,
    );
  return picked;
}
