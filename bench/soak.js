/* global AbortSignal */
// The soak: a Chronoq cluster under steady load for N minutes, its leader restarted now and
// then (alternately SIGTERM and kill -9), with retention on. Every 10 s it samples each process's
// RSS and event-loop lag p99 (from /metrics), open Postgres connections and rows kept; at the end
// it prints (and writes to bench/results/soak-*.json) RSS growth per hour, lag p99, connections
// and rows kept against what the retention allows.
//
//   npm run soak -- --minutes 30 [--rate 50] [--restart-every 120] [--retention 2m]
//
// Postgres: CHRONOQ_BENCH_POSTGRES_URL, else the machine's server at 127.0.0.1:5432 (as the
// benchmark); a fresh database is made and dropped. The server itself is never restarted.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT, spawnChronoq } from './children.js';
import { createDatabase, findPostgres, redact } from './postgres.js';

const args = parseArgs(process.argv.slice(2));
const MINUTES = Number(args.minutes ?? 10);
const RATE = Number(args.rate ?? 50); // tasks per second
const RESTART_EVERY_S = Number(args['restart-every'] ?? 120);
const RETENTION = String(args.retention ?? '2m');
const RETENTION_MS = parseDuration(RETENTION);
const SAMPLE_MS = 10_000;

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) continue;
    out[m[1]] = m[2] ?? argv[++i];
  }
  return out;
}

function parseDuration(s) {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(s);
  if (!m) throw new Error(`--retention: ${s} is not a duration`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2]];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A metric's value from Prometheus text (first sample). */
function metric(text, name) {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

/** Least-squares slope of (t ms, y) in y per hour. */
function slopePerHour(points) {
  if (points.length < 3) return null;
  const n = points.length;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 3_600_000;
}

const pct = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : null;
};

async function main() {
  const found = await findPostgres();
  if (!found.available) {
    console.error(`soak: no Postgres at ${redact(found.url)}: ${found.reason}`);
    process.exit(1);
  }
  const db = await createDatabase(found.url);
  const admin = new pg.Client({ connectionString: found.url });
  await admin.connect();
  const dbClient = new pg.Client({ connectionString: db.url });
  const serverArgs = (port) => [
    ...['--db', db.url, '--port', String(port), '--no-worker', '--log-level', 'warn'],
    ...['--lease', '5s', '--lease-renew', '1s', '--worker-lease', '5s'],
    ...['--retention', RETENTION],
  ];
  const ready = /http:\/\/127\.0\.0\.1:(\d+)/;
  const procs = []; // { role, label, handle, port, startedAt }
  const samples = new Map(); // label → [{t, rss, lag}]
  try {
    for (const label of ['replica-a', 'replica-b']) {
      const handle = await spawnChronoq('server', serverArgs(0), { ready, label });
      procs.push({ role: 'server', label, handle, port: Number(handle.match[1]) });
    }
    await dbClient.connect();
    const urls = () =>
      procs.filter((p) => p.role === 'server').map((p) => `http://127.0.0.1:${p.port}`);
    for (const label of ['worker-1', 'worker-2']) {
      const handle = await spawnChronoq(
        'worker',
        ['--url', urls().join(','), '--id', label, '--concurrency', '25'],
        { ready: /connected to/, label },
      );
      procs.push({ role: 'worker', label, handle });
    }
    console.log(
      `soak: ${MINUTES} min, ${RATE} tasks/s, leader restarted every ${RESTART_EVERY_S} s, ` +
        `retention ${RETENTION}, Postgres ${found.version} (${db.name})`,
    );

    const start = Date.now();
    const end = start + MINUTES * 60_000;
    let submitted = 0;
    let submitFailures = 0;
    let turn = 0;
    const restarts = [];
    const load = (async () => {
      while (Date.now() < end) {
        const tick = Date.now();
        const tasks = Array.from({ length: Math.max(1, Math.round(RATE / 10)) }, (_, i) => ({
          type: 'chronoq.sleep',
          payload: { ms: 10 + ((submitted + i) % 41) },
        }));
        const list = urls();
        try {
          const res = await fetch(`${list[turn++ % list.length]}/api/v1/tasks/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ tasks }),
            signal: AbortSignal.timeout(5000),
          });
          if (res.status === 201) submitted += tasks.length;
          else submitFailures++;
          await res.arrayBuffer();
        } catch {
          submitFailures++;
        }
        await sleep(Math.max(0, 100 - (Date.now() - tick)));
      }
    })();

    const restarter = (async () => {
      let n = 0;
      while (Date.now() + RESTART_EVERY_S * 1000 < end) {
        await sleep(RESTART_EVERY_S * 1000);
        const leaderUrl = await fetch(`${urls()[0]}/api/v1/cluster`)
          .then((r) => r.json())
          .then((c) => c.leader?.url)
          .catch(() => null);
        const p = procs.find((x) => x.role === 'server' && leaderUrl?.endsWith(`:${x.port}`));
        if (!p) continue;
        const how = n++ % 2 === 0 ? 'SIGTERM' : 'SIGKILL';
        const t = Date.now();
        if (how === 'SIGTERM') await p.handle.stop(15_000);
        else {
          p.handle.child.kill('SIGKILL');
          await p.handle.exited;
        }
        p.handle = await spawnChronoq('server', serverArgs(p.port), { ready, label: p.label });
        restarts.push({ at: Math.round((t - start) / 1000), how, downMs: Date.now() - t });
        console.log(`soak: leader ${p.label} restarted (${how})`);
      }
    })();

    const rows = [];
    const connections = [];
    while (Date.now() < end) {
      await sleep(SAMPLE_MS);
      const t = Date.now();
      for (const p of procs) {
        if (p.role !== 'server') continue;
        const text = await fetch(`http://127.0.0.1:${p.port}/metrics`)
          .then((r) => r.text())
          .catch(() => null);
        if (!text) continue;
        const key = `${p.label}#${p.handle.pid}`;
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key).push({
          t,
          rss: metric(text, 'chronoq_process_process_resident_memory_bytes'),
          lag: metric(text, 'chronoq_process_nodejs_eventloop_lag_p99_seconds'),
          handles: metric(text, 'chronoq_process_nodejs_active_handles_total'),
        });
      }
      for (const p of procs) {
        if (p.role !== 'worker') continue;
        const rss = await procRss(p.handle.pid);
        const key = `${p.label}#${p.handle.pid}`;
        if (!samples.has(key)) samples.set(key, []);
        if (rss !== null) samples.get(key).push({ t, rss, lag: null, handles: null });
      }
      const c = await admin.query(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
        [db.name],
      );
      connections.push(c.rows[0].n);
      const r = await dbClient.query(`SELECT
        (SELECT count(*) FROM tasks)::int AS tasks,
        (SELECT count(*) FROM tasks WHERE state IN ('succeeded','failed','cancelled'))::int AS finished,
        (SELECT count(*) FROM task_events)::int AS events,
        (SELECT count(*) FROM attempts)::int AS attempts`);
      rows.push({ t, ...r.rows[0] });
      const last = rows.at(-1);
      console.log(
        `soak: ${Math.round((t - start) / 1000)} s: ${submitted} submitted, ${last.tasks} task rows ` +
          `(${last.finished} finished), ${c.rows[0].n} pg connections`,
      );
    }
    await load;
    await restarter;

    // Growth is measured after a warm-up (the first fifth of the run, at least 1 minute).
    const warm = start + Math.max(60_000, (end - start) / 5);
    const processes = [...samples].map(([key, list]) => {
      const after = list.filter((s) => s.t >= warm);
      const lags = list.map((s) => s.lag).filter((x) => x !== null);
      return {
        process: key,
        samples: list.length,
        minutes: list.length ? Math.round((list.at(-1).t - list[0].t) / 6000) / 10 : 0,
        rssMb: list.length ? Math.round(list.at(-1).rss / 1e5) / 10 : null,
        // Only for a process that ran through most of the run after the warm-up: a restarted
        // replica's few minutes say nothing about growth per hour.
        rssGrowthMbPerHour:
          after.length >= 3 && after.at(-1).t - after[0].t >= (end - warm) / 2
            ? Math.round(slopePerHour(after.map((s) => ({ t: s.t, y: s.rss / 1e6 }))) * 10) / 10
            : null,
        eventLoopLagP99Ms: lags.length ? Math.round(pct(lags, 99) * 1e4) / 10 : null,
        activeHandlesMax: Math.max(...list.map((s) => s.handles ?? 0)),
      };
    });
    const steady = rows.filter((r) => r.t >= start + RETENTION_MS + 60_000);
    const limit = Math.round(RATE * (RETENTION_MS / 1000));
    const summary = {
      minutes: MINUTES,
      ratePerS: RATE,
      submitted,
      submitFailures,
      leaderRestarts: restarts,
      retention: RETENTION,
      rowsLimit: limit,
      // Retention runs every tenth of the retention (1 s to 60 s): rows may exceed the limit by
      // what arrives in one such period.
      rowsLimitWithPrunePeriod: Math.round(
        limit + RATE * Math.min(60, Math.max(1, RETENTION_MS / 10_000)),
      ),
      taskRowsMax: Math.max(...rows.map((r) => r.tasks)),
      taskRowsSteadyMax: steady.length ? Math.max(...steady.map((r) => r.tasks)) : null,
      taskRowsEnd: rows.at(-1)?.tasks,
      eventRowsEnd: rows.at(-1)?.events,
      pgConnectionsMax: Math.max(...connections),
      pgConnectionsEnd: connections.at(-1),
      processes,
    };
    console.log(JSON.stringify(summary, null, 2));
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(summary, null, 2));
    console.log(`soak: written to ${file}`);
  } finally {
    for (const p of procs.reverse()) await p.handle.stop(5000).catch(() => undefined);
    await dbClient.end().catch(() => undefined);
    await admin.end().catch(() => undefined);
    await db.drop().catch((err) => console.error(`soak: could not drop ${db.name}: ${err}`));
  }
}

/** Resident set size of a process from /proc, in bytes (Linux). */
async function procRss(pid) {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return kb ? Number(kb[1]) * 1024 : null;
  } catch {
    return null;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
