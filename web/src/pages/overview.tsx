import { api } from '../api';
import { LineChart, SplitBar, StackedArea, STATE_COLORS, StateLegend } from '../components/charts';
import { Card, Empty, ErrorBanner, Meter, PageHeader, Stat } from '../components/ui';
import { ago, clock, time } from '../format';
import { useNow, useResource } from '../hooks';
import { BUCKET_MS, useLive, useLiveSnapshot, type Bucket } from '../live';
import { Link } from '../router';
import type { Cluster, Queue, WorkerInfo } from '../types';

/** What a queue's bar shows: work not yet done, and the dead letters. */
const SHOWN = ['running', 'assigned', 'ready', 'pending', 'blocked', 'paused', 'failed'] as const;

const WINDOW = 60; // buckets shown: five minutes
const MIN_SLOTS = 24; // the axis spans at least two minutes, so early points are not squeezed

interface Slot {
  t: number;
  b: Bucket | null; // null: before the page opened
}

/** The buckets to draw, ending at the current one; empty buckets since the page opened are 0. */
function series(buckets: Bucket[], openedAt: number, now: number): Slot[] {
  const end = Math.floor(now / BUCKET_MS) * BUCKET_MS;
  const opened = Math.floor(openedAt / BUCKET_MS) * BUCKET_MS;
  const start = Math.max(opened, end - (WINDOW - 1) * BUCKET_MS);
  const first = Math.min(start, end - (MIN_SLOTS - 1) * BUCKET_MS);
  const byT = new Map(buckets.map((b) => [b.t, b]));
  const out: Slot[] = [];
  for (let t = first; t <= end; t += BUCKET_MS) {
    out.push({
      t,
      b:
        t < opened ? null : (byT.get(t) ?? { t, started: 0, succeeded: 0, failed: 0, byQueue: {} }),
    });
  }
  return out;
}

export function Overview() {
  const now = useNow(BUCKET_MS);
  const live = useLiveSnapshot();
  const workers = useResource(
    'workers',
    (signal) => api<{ workers: WorkerInfo[] }>('GET', '/workers', undefined, { signal }),
    3000,
  );
  const cluster = useResource(
    'cluster',
    (signal) => api<Cluster>('GET', '/cluster', undefined, { signal }),
    5000,
  );
  useLive('workers', workers.reload);

  const buckets = series(live.buckets, live.openedAt, now);
  const totals = live.buckets.reduce(
    (a, b) => ({
      started: a.started + b.started,
      succeeded: a.succeeded + b.succeeded,
      failed: a.failed + b.failed,
    }),
    { started: 0, succeeded: 0, failed: 0 },
  );
  const depth = live.depth.slice(-100);
  const queues = live.queues ?? [];
  const sum = (state: string) =>
    queues.reduce((a, q) => a + ((q.counts as Record<string, number>)[state] ?? 0), 0);
  const liveWorkers = (workers.data?.workers ?? []).filter((w) => w.status === 'live');
  const slots = liveWorkers.reduce((a, w) => a + w.capacity, 0);
  const busy = liveWorkers.reduce((a, w) => a + w.load, 0);
  const open = (q: Queue) => SHOWN.reduce((a, st) => a + (q.counts[st] ?? 0), 0);
  const maxDepth = Math.max(1, ...queues.map(open));

  return (
    <div className="page" data-testid="page-overview">
      <PageHeader
        title="Overview"
        sub={`Throughput per 5 s since ${clock(live.openedAt)}: the recent tasks, then live from the event stream`}
      />
      <ErrorBanner error={live.queuesError ?? workers.error ?? cluster.error} />
      <div className="stats">
        <Stat
          label="running"
          value={sum('running') + sum('assigned')}
          tone="blue"
          testid="stat-running"
        />
        <Stat label="ready" value={sum('ready')} />
        <Stat label="pending" value={sum('pending') + sum('blocked')} />
        <Stat label="paused" value={sum('paused')} tone={sum('paused') ? 'amber' : ''} />
        <Stat
          label="dead letters"
          value={<Link to="/dead-letters">{sum('failed')}</Link>}
          tone={sum('failed') ? 'red' : ''}
        />
        <Stat label="live workers" value={liveWorkers.length} />
        <Stat label="slots in use" value={`${busy} / ${slots}`} />
      </div>
      <div className="grid-2">
        <Card
          title={
            <>
              Throughput{' '}
              <span
                className="muted small"
                data-testid="throughput-totals"
                data-backfilled={live.backfilled}
                data-totals={JSON.stringify(totals)}
              >
                since {clock(live.openedAt)} · {totals.started} started, {totals.succeeded}{' '}
                succeeded, {totals.failed} failed
              </span>
            </>
          }
        >
          <LineChart
            testid="chart-throughput"
            times={buckets.map((b) => b.t)}
            label={clock}
            series={[
              {
                name: 'started',
                color: '#2563eb',
                values: buckets.map((s) => s.b?.started ?? null),
              },
              {
                name: 'succeeded',
                color: '#16a34a',
                values: buckets.map((s) => s.b?.succeeded ?? null),
              },
              { name: 'failed', color: '#dc2626', values: buckets.map((s) => s.b?.failed ?? null) },
            ]}
          />
        </Card>
        <Card
          title={
            <>
              Queue depth <span className="muted small">all queues, sampled every 3 s</span>
            </>
          }
        >
          {depth.length < 2 ? (
            <Empty title="Sampling…">The chart fills in as samples arrive.</Empty>
          ) : (
            <StackedArea
              testid="chart-depth"
              times={depth.map((d) => d.t)}
              label={clock}
              series={[
                {
                  name: 'running',
                  color: STATE_COLORS.running!,
                  values: depth.map((d) => d.running),
                },
                { name: 'ready', color: STATE_COLORS.ready!, values: depth.map((d) => d.ready) },
                {
                  name: 'pending',
                  color: STATE_COLORS.pending!,
                  values: depth.map((d) => d.pending),
                },
                { name: 'paused', color: STATE_COLORS.paused!, values: depth.map((d) => d.paused) },
              ]}
            />
          )}
        </Card>
      </div>
      <div className="grid-3">
        <Card
          title={
            <>
              Queues{' '}
              <Link to="/queues" className="small">
                manage
              </Link>
            </>
          }
        >
          {queues.length === 0 ? (
            <Empty title="No queues yet">A queue appears when a task names it.</Empty>
          ) : (
            <>
              <StateLegend states={SHOWN} />
              <table className="table compact">
                <tbody>
                  {queues.map((q) => (
                    <tr key={q.name}>
                      <td className="nowrap">
                        {q.name}{' '}
                        {q.paused ? <span className="badge state-paused">paused</span> : null}
                      </td>
                      <td className="num muted small nowrap">{open(q)}</td>
                      <td className="wide">
                        <SplitBar
                          scale={maxDepth}
                          parts={SHOWN.map((s) => ({
                            name: s,
                            value: q.counts[s] ?? 0,
                            color: STATE_COLORS[s]!,
                          }))}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </Card>
        <Card
          title={
            <>
              Workers{' '}
              <Link to="/workers" className="small">
                manage
              </Link>
            </>
          }
        >
          {workers.data && liveWorkers.length === 0 ? (
            <Empty title="No live workers">
              Start one with <code>chronoq worker</code>.
            </Empty>
          ) : (
            <table className="table compact">
              <tbody>
                {liveWorkers.slice(0, 8).map((w) => (
                  <tr key={w.id}>
                    <td className="nowrap ellipsis" title={w.id}>
                      {w.name}
                    </td>
                    <td className="wide">
                      <Meter value={w.load} max={w.capacity} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title="Cluster">
          {cluster.data ? (
            <div className="cluster" data-testid="cluster">
              {cluster.data.leader ? (
                <dl className="kv">
                  <dt>leader</dt>
                  <dd className="mono">{cluster.data.leader.replicaId}</dd>
                  <dt>address</dt>
                  <dd className="mono">{cluster.data.leader.url ?? '—'}</dd>
                  <dt>since</dt>
                  <dd title={time(cluster.data.leader.since)}>{ago(cluster.data.leader.since)}</dd>
                  <dt>replicas</dt>
                  <dd>
                    {cluster.data.replicas.filter((r) => r.live).length} live of{' '}
                    {cluster.data.replicas.length}
                  </dd>
                </dl>
              ) : (
                <Empty title="No leader">No replica holds the leader lease right now.</Empty>
              )}
            </div>
          ) : null}
        </Card>
      </div>
    </div>
  );
}
