// `npm run bench`: Chronoq driven through its HTTP API as a user would, in two modes:
//   embedded  one `chronoq server` on SQLite with its local worker pool (bench/embedded.js)
//   cluster   `chronoq server --db postgres://… --no-worker` + 1, 2, 4 remote `chronoq worker`
//             processes (bench/cluster.js); skipped, and said so, when no Postgres answers
// Prints the tables and one JSON line with every number; --out FILE also writes that JSON there.
//
// Flags: --mode embedded|cluster|all (default all), --out FILE, --tasks N (20000),
// --enqueue N (5000, embedded), --rate N (200/s) and --seconds N (5) for latency,
// --port N (7391, embedded), --workers 1,2,4 (cluster), --only process|latency|enqueue|schedule
// (schedule: fire-time → start lateness of 20 per-second schedules, embedded only),
// --prefetch N (0: tasks each worker takes beyond its 50 slots, queued there until one frees),
// --profile DIR (CPU profiles of the server processes, and of the cluster workers, go there).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCluster } from './cluster.js';
import { runEmbedded } from './embedded.js';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const mode = arg('--mode', 'all');
if (!['embedded', 'cluster', 'all'].includes(mode)) {
  console.error(`--mode: expected embedded, cluster or all, got ${mode}`);
  process.exit(2);
}
const common = {
  tasks: Number(arg('--tasks', 20000)),
  rate: Number(arg('--rate', 200)),
  seconds: Number(arg('--seconds', 5)),
  only: arg('--only'),
  prefetch: Number(arg('--prefetch', 0)),
};
const profile = arg('--profile');
const profileDir = (sub) => {
  if (!profile) return undefined;
  mkdirSync(join(profile, sub), { recursive: true });
  return join(profile, sub);
};

const combined = { node: process.version, startedAt: new Date().toISOString() };
const tables = [];
const print = ({ title, rows }) => {
  console.log(`\n${title}\n`);
  if (rows.length === 0) return;
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
};

let failed = false;
const t0 = performance.now();
if (mode === 'embedded' || mode === 'all') {
  const e = await runEmbedded({
    ...common,
    enqueue: Number(arg('--enqueue', 5000)),
    port: Number(arg('--port', 7391)),
    profileDir: profileDir('embedded'),
  });
  combined.embedded = e.results;
  tables.push(e);
}
if (mode === 'cluster' || mode === 'all') {
  try {
    const c = await runCluster({
      ...common,
      workers: arg('--workers', '1,2,4').split(',').map(Number),
      profileDir: profileDir('cluster'),
    });
    combined.cluster = c.results;
    tables.push(c);
  } catch (err) {
    // The embedded numbers are still worth printing; the error is reported and the exit code is 1.
    failed = true;
    combined.cluster = { mode: 'cluster-postgres', error: err?.stack ?? String(err) };
    tables.push({ title: `Chronoq cluster (Postgres): FAILED: ${err?.message ?? err}`, rows: [] });
  }
}
combined.seconds = Number(((performance.now() - t0) / 1000).toFixed(1));

for (const t of tables) print(t);
console.log('\n' + JSON.stringify(combined));
const out = arg('--out');
if (out) writeFileSync(out, JSON.stringify(combined, null, 2));
process.exitCode = failed ? 1 : 0;
