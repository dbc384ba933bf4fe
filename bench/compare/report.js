// The markdown of `npm run bench:peers`: the table (workloads as rows, systems as columns) and
// the report around it (machine, versions, settings, command) that BENCHMARKS.md holds.

const int = (n) => (n === null || n === undefined ? null : Math.round(n).toLocaleString('en-US'));
const ms = (x) =>
  x === null || x === undefined ? '?' : x < 10 ? x.toFixed(1) : String(Math.round(x));

/** What a cell says when there is no number: why. */
function missing(r, workload) {
  if (r.skipped) return 'skipped';
  if (r.error) return 'failed';
  if (r.errors?.[workload]) return 'failed';
  return '—';
}

function rowsFor(o) {
  const rows = [
    ['enqueue, one by one (jobs/s)', 'enqueue-one', (r) => int(r.enqueueOneByOne)],
    ['enqueue, 50 concurrent (jobs/s)', 'enqueue-50', (r) => int(r.enqueueConcurrent50)],
    ['enqueue, bulk of 1,000 (jobs/s)', 'enqueue-bulk', (r) => int(r.enqueueBulk1000)],
    [
      `process ${int(o.tasks)} noop jobs, concurrency 50 (jobs/s)`,
      'process',
      (r) => int(r.process?.perSec),
    ],
  ];
  for (const rate of o.rates)
    rows.push([
      `submit→start at ${int(rate)}/s: p50 / p95 / p99 / max (ms)`,
      `latency@${rate}`,
      (r) => {
        const l = r.latencyMs?.[rate];
        if (!l) return null;
        const cell = `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)} / ${ms(l.max)}`;
        // When the submissions themselves could not keep up, say at what rate they went in.
        return l.achievedRate < 0.95 * rate ? `${cell} (sent at ${int(l.achievedRate)}/s)` : cell;
      },
    ]);
  rows.push([
    'peak RSS of the worker process (MB)',
    'rss',
    (r) => (r.peakRssMb?.workers?.length ? r.peakRssMb.workers.map(int).join(' / ') : null),
  ]);
  return rows;
}

/** The table: one column per system run (or skipped). */
export function table(results, o) {
  const head = `| | ${results.map((r) => r.label).join(' | ')} |`;
  const rule = `|---|${results.map(() => '---:').join('|')}|`;
  const body = rowsFor(o).map(
    ([title, key, cell]) =>
      `| ${title} | ${results.map((r) => cell(r) ?? missing(r, key)).join(' | ')} |`,
  );
  return [head, rule, ...body].join('\n');
}

/** One line per system that was skipped or had something fail. */
export function problems(results) {
  const lines = [];
  for (const r of results) {
    if (r.skipped) lines.push(`- ${r.label}: skipped: ${r.skipped}`);
    if (r.error) lines.push(`- ${r.label}: ${r.error}`);
    for (const [k, v] of Object.entries(r.errors ?? {})) lines.push(`- ${r.label}, ${k}: ${v}`);
  }
  return lines;
}

/** The whole report, as BENCHMARKS.md holds it. */
export function report(json, systems, o) {
  const m = json.machine;
  const servers = json.results.filter((r) => r.peakRssMb?.server !== undefined);
  const lines = [
    table(json.results, o),
    '',
    ...(servers.length
      ? [
          `Peak RSS of the Chronoq server process (API + scheduler, no worker) in the Postgres ` +
            `runs: ${servers.map((r) => `${r.label}: ${r.peakRssMb.server} MB`).join('; ')}. ` +
            `The peers have no process of their own besides the worker: their coordination ` +
            `runs in Redis or Postgres.`,
          '',
        ]
      : []),
    ...problems(json.results),
    ...(problems(json.results).length ? [''] : []),
    `- **When**: ${json.startedAt}, ${json.seconds} s in all.`,
    `- **Machine**: ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB RAM, ${m.os}; Node ${m.node}; ` +
      `PostgreSQL ${json.services.postgres.version ?? `not available (${json.services.postgres.reason})`}; ` +
      `Redis ${json.services.redis.version ?? `not available (${json.services.redis.reason})`}.`,
    `- **Versions**: ` +
      [
        `Chronoq ${json.chronoq.version}${json.chronoq.commit ? ` (${json.chronoq.commit})` : ''}`,
        ...Object.entries(json.peers).map(([k, v]) => `${k} ${v ?? '(not installed)'}`),
      ].join(', ') +
      '.',
    `- **Command**: \`${json.command}\``,
    '- **Settings** (each at 50 jobs in flight; the bench process is the producer, the worker ' +
      'runs in its own process):',
    ...systems.map(
      (s) =>
        `  - ${s.label}: ${typeof s.summary === 'function' ? s.summary(o) : s.summary}` +
        (s.docs ? ` Docs: ${s.docs.map((d) => `<${d}>`).join(', ')}.` : ''),
    ),
  ];
  return lines.join('\n');
}
