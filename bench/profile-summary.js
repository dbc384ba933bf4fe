// Summarise V8 .cpuprofile files (from `node --cpu-prof`, e.g. `npm run bench -- --profile DIR`):
// the top functions by self time, and by inclusive time (functions of this repo only).
//
//   node bench/profile-summary.js FILE_OR_DIR... [--top N] [--json]
//
// A directory is searched (recursively) for *.cpuprofile files; each file is summarised on its own.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './children.js';

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const TOP = Number(flag('--top', 25));
const asJson = args.includes('--json');
const inputs = args.filter((a) => a !== '--json');
if (inputs.length === 0) {
  console.error('usage: node bench/profile-summary.js FILE_OR_DIR... [--top N] [--json]');
  process.exit(2);
}

function files(path) {
  if (statSync(path).isDirectory())
    return readdirSync(path)
      .sort()
      .flatMap((f) => files(join(path, f)));
  return path.endsWith('.cpuprofile') ? [path] : [];
}

function where(cf) {
  let url = cf.url || '';
  if (url.startsWith('file://')) url = url.slice(7);
  if (url.startsWith(ROOT)) url = relative(ROOT, url);
  url = url.replace(/^.*node_modules\//, 'node_modules/');
  return url ? `${url}:${cf.lineNumber + 1}` : '';
}

function summarise(file) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Self time per node from the samples and their time deltas (µs).
  const self = new Map();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
    total += dt;
  }
  const key = (n) => `${n.callFrame.functionName || '(anonymous)'}  ${where(n.callFrame)}`;
  const selfBy = new Map();
  const inclBy = new Map();
  for (const [id, t] of self) {
    const n = byId.get(id);
    selfBy.set(key(n), (selfBy.get(key(n)) ?? 0) + t);
    // Inclusive: every distinct function on the stack of this sample gets its time.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur));
      if (seen.has(k)) continue;
      seen.add(k);
      inclBy.set(k, (inclBy.get(k) ?? 0) + t);
    }
  }
  const idle = [...selfBy].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, t]) => a + t, 0);
  const top = (m, filter = () => true) =>
    [...m]
      .filter(([k]) => filter(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([k, t]) => ({
        fn: k,
        ms: Math.round(t / 1000),
        pctOfBusy: (100 * t) / (total - idle),
      }));
  // Categories of self time: where does the busy CPU go?
  const cat = {};
  for (const [k, t] of selfBy) {
    const c = k.startsWith('(')
      ? k.split(' ')[0]
      : / (src|dist)\//.test(` ${k.split('  ')[1]}`)
        ? 'chronoq (dist/)'
        : /node_modules\/([^/]+(\/[^/]+)?)/.test(k)
          ? `node_modules/${k.match(/node_modules\/(@[^/]+\/[^/]+|[^/]+)/)[1]}`
          : /node:|^[^ ]+ {2}$/.test(k) || !k.split('  ')[1]
            ? 'node internals / native'
            : 'other';
    cat[c] = (cat[c] ?? 0) + t;
  }
  return {
    file,
    wallMs: Math.round((p.endTime - p.startTime) / 1000),
    sampledMs: Math.round(total / 1000),
    idleMs: Math.round(idle / 1000),
    busyMs: Math.round((total - idle) / 1000),
    categories: Object.fromEntries(
      Object.entries(cat)
        .sort((a, b) => b[1] - a[1])
        .map(([k, t]) => [k, Math.round(t / 1000)]),
    ),
    topSelf: top(selfBy, (k) => !k.startsWith('(idle)')),
    topInclusiveChronoq: top(inclBy, (k) => / dist\//.test(` ${k.split('  ')[1]}`)),
  };
}

const summaries = inputs.flatMap(files).map(summarise);
if (asJson) {
  console.log(JSON.stringify(summaries, null, 2));
} else {
  for (const s of summaries) {
    console.log(`\n${s.file}`);
    console.log(
      `  wall ${s.wallMs} ms, busy ${s.busyMs} ms (${Math.round((100 * s.busyMs) / Math.max(1, s.sampledMs))}%), idle ${s.idleMs} ms`,
    );
    console.log('  self time by origin (ms):');
    for (const [k, v] of Object.entries(s.categories))
      console.log(`    ${String(v).padStart(7)}  ${k}`);
    console.log(`  top ${TOP} functions by self time (ms, % of busy):`);
    for (const r of s.topSelf)
      console.log(
        `    ${String(r.ms).padStart(7)}  ${r.pctOfBusy.toFixed(1).padStart(5)}%  ${r.fn}`,
      );
    console.log(`  top ${TOP} chronoq functions by inclusive time (ms, % of busy):`);
    for (const r of s.topInclusiveChronoq)
      console.log(
        `    ${String(r.ms).padStart(7)}  ${r.pctOfBusy.toFixed(1).padStart(5)}%  ${r.fn}`,
      );
  }
}
