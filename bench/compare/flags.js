// The flags of `npm run bench:peers` (bench/compare.js).
export const WORKLOADS = ['enqueue-one', 'enqueue-50', 'enqueue-bulk', 'process', 'latency'];
const GROUPS = { enqueue: ['enqueue-one', 'enqueue-50', 'enqueue-bulk'] };

export const USAGE = `usage: npm run bench:peers -- [flags]
  --tasks N         noop jobs processed at concurrency 50 (default 20000)
  --enqueue N       enqueue sizes: min(N, 3000) one by one, 2N 50-concurrent, 10N in bulk
                    (default tasks/4)
  --rates R,R       submit→start latency runs, jobs/s (default 200,1000)
  --seconds N       length of each latency run (default 5)
  --only S,S        systems, by name or prefix: chronoq-embedded, chronoq-pg-1w, chronoq-pg-2w,
                    bullmq, pg-boss, graphile-worker (default all; "chronoq" = the three)
  --workloads W,W   ${WORKLOADS.join(', ')}, or enqueue (= the three enqueues) (default all)
  --deadline S      the longest a processing or latency phase may take, seconds (default 300)
  --out FILE        JSON results (default bench/results/peers-latest.json)
  --md FILE         also write the markdown report there
  --port N          the embedded Chronoq server's port (default 7392)
  --prefetch N      tasks each Chronoq worker takes beyond its slots, queued there until one
                    frees (default 50; 0 = Chronoq's default)
Services: CHRONOQ_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres),
CHRONOQ_BENCH_REDIS_URL (default redis://127.0.0.1:6379); a system whose service does not answer
is skipped, and the report says so.`;

class UsageError extends Error {}

const list = (v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function positive(name, v) {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name}: expected a positive number`);
  return n;
}

/** argv → options; throws a UsageError (its message is for the user) on a bad flag. */
export function parseFlags(argv) {
  const o = {
    tasks: 20000,
    rates: [200, 1000],
    seconds: 5,
    deadlineMs: 300_000,
    out: 'bench/results/peers-latest.json',
    port: 7392,
    prefetch: 50,
    workloads: WORKLOADS,
  };
  let enqueue;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') return { help: true };
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${flag}: missing value`);
    if (flag === '--tasks') o.tasks = Math.round(positive(flag, v));
    else if (flag === '--enqueue') enqueue = Math.round(positive(flag, v));
    else if (flag === '--rates') o.rates = list(v).map((r) => positive(flag, r));
    else if (flag === '--seconds') o.seconds = positive(flag, v);
    else if (flag === '--only') o.only = list(v);
    else if (flag === '--workloads') {
      const w = list(v).flatMap((x) => GROUPS[x] ?? [x]);
      const bad = w.filter((x) => !WORKLOADS.includes(x));
      if (bad.length) throw new UsageError(`--workloads: unknown ${bad.join(', ')}`);
      o.workloads = WORKLOADS.filter((x) => w.includes(x));
    } else if (flag === '--deadline') o.deadlineMs = positive(flag, v) * 1000;
    else if (flag === '--out') o.out = v;
    else if (flag === '--md') o.md = v;
    else if (flag === '--port') o.port = Math.round(positive(flag, v));
    else if (flag === '--prefetch') {
      o.prefetch = Math.round(Number(v));
      if (!Number.isFinite(o.prefetch) || o.prefetch < 0)
        throw new UsageError('--prefetch: expected a number >= 0');
    } else throw new UsageError(`unknown flag ${flag}`);
  }
  o.enqueue = enqueue ?? Math.max(1, Math.round(o.tasks / 4));
  return o;
}

export { UsageError };
