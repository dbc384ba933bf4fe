// `npm run bench:peers`: the same workloads (bench/workloads.js), in one run on one machine,
// against Chronoq (embedded SQLite; Postgres with 1 and 2 remote workers; driven through its HTTP
// API) and its peers BullMQ (Redis), pg-boss and graphile-worker (Postgres), each with its own
// documented low-latency settings (bench/peers/settings.js) and its worker in its own process.
// Prints a markdown table (workloads as rows, systems as columns) and the report around it;
// writes every number as JSON (--out). `--help` lists the flags.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from './children.js';
import { parseFlags, USAGE } from './compare/flags.js';
import { ensurePeersInstalled, peerVersions } from './compare/install.js';
import { findRedis } from './compare/redis.js';
import { report } from './compare/report.js';
import { runSystem } from './compare/run-system.js';
import { selectSystems } from './compare/systems.js';
import { findPostgres, redact } from './postgres.js';

let o;
let systems;
try {
  o = parseFlags(process.argv.slice(2));
  if (o.help) {
    console.log(USAGE);
    process.exit(0);
  }
  systems = selectSystems(o.only);
} catch (err) {
  console.error(`${err.message}\n\n${USAGE}`);
  process.exit(2);
}

const started = new Date();
const t0 = performance.now();
const peerNames = systems.filter((s) => s.peer).map((s) => s.peer);
if (peerNames.length) ensurePeersInstalled();

const needs = new Set(systems.flatMap((s) => s.needs));
const services = {
  postgres: needs.has('postgres')
    ? await findPostgres()
    : { available: false, reason: 'not needed' },
  redis: needs.has('redis') ? await findRedis() : { available: false, reason: 'not needed' },
};
for (const [name, s] of Object.entries(services))
  if (needs.has(name) && !s.available)
    console.error(
      `bench: ${name} not available at ${redact(s.url)} (${s.source}): ${s.reason}; ` +
        `the systems that need it are skipped`,
    );

const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
const json = {
  startedAt: started.toISOString(),
  command: `npm run bench:peers${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  options: o,
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
    memGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
  },
  services: Object.fromEntries(
    Object.entries(services).map(([k, s]) => [
      k,
      s.available
        ? { url: redact(s.url), version: s.version }
        : { url: s.url && redact(s.url), reason: s.reason },
    ]),
  ),
  chronoq: {
    version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
    commit: git.status === 0 ? git.stdout.trim() : null,
  },
  peers: peerVersions(peerNames),
  results: [],
};

const ctx = {
  port: o.port,
  prefetch: o.prefetch,
  postgres: services.postgres,
  redis: services.redis,
};
for (const def of systems) {
  const missing = def.needs.filter((n) => !services[n].available);
  if (missing.length) {
    json.results.push({
      system: def.name,
      label: def.label,
      skipped: missing.map((n) => `${n} not available (${services[n].reason})`).join('; '),
    });
    continue;
  }
  json.results.push(await runSystem(def, ctx, o));
}
json.seconds = Number(((performance.now() - t0) / 1000).toFixed(1));

const md = report(json, systems, o);
console.log(`\n${md}\n`);
mkdirSync(dirname(o.out), { recursive: true });
writeFileSync(o.out, JSON.stringify(json, null, 2) + '\n');
console.error(`bench: results in ${o.out}`);
if (o.md) {
  writeFileSync(o.md, md + '\n');
  console.error(`bench: report in ${o.md}`);
}
process.exitCode = json.results.some((r) => r.error || r.errors) ? 1 : 0;
