import { Fragment, useState, type FormEvent } from 'react';
import { api, messageOf } from '../api';
import { SplitBar, STATE_COLORS, StateLegend } from '../components/charts';
import { ActionButton, Empty, ErrorBanner, PageHeader } from '../components/ui';
import { perMinute, rate } from '../format';
import { useNow, useResource } from '../hooks';
import { ratesOf, refreshQueues, useLive, useLiveSnapshot } from '../live';
import { Link } from '../router';
import type { Queue } from '../types';

const DEPTH_STATES = ['running', 'assigned', 'ready', 'pending', 'blocked', 'paused'] as const;
const STRATEGIES = ['least-loaded', 'round-robin', 'random', 'weighted'] as const;
const UNITS: { label: string; ms: number }[] = [
  { label: 'second', ms: 1000 },
  { label: 'minute', ms: 60_000 },
  { label: 'hour', ms: 3_600_000 },
];

function unitOf(ms: number): { label: string; ms: number; n: number } {
  for (const u of [...UNITS].reverse()) if (ms % u.ms === 0) return { ...u, n: ms / u.ms };
  return { label: 'second', ms: 1000, n: ms / 1000 };
}

function EditQueue(props: { q: Queue; onDone: (q: Queue) => void; onCancel: () => void }) {
  const { q } = props;
  const r = q.rateLimit ? unitOf(q.rateLimit.intervalMs) : null;
  const [concurrency, setConcurrency] = useState(
    q.concurrency === null ? '' : String(q.concurrency),
  );
  const [count, setCount] = useState(q.rateLimit ? String(q.rateLimit.count) : '');
  const [every, setEvery] = useState(r ? String(r.n) : '1');
  const [unit, setUnit] = useState(r ? String(r.ms) : '1000');
  const [keyConc, setKeyConc] = useState(String(q.keyConcurrency));
  const [strategy, setStrategy] = useState(q.strategy);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const int = (s: string) => (/^\d+$/.test(s.trim()) && Number(s) >= 1 ? Number(s) : NaN);
    const c = concurrency.trim() === '' ? null : int(concurrency);
    const n = count.trim() === '' ? null : int(count);
    const ev = Number(every);
    const k = int(keyConc);
    if (Number.isNaN(c)) return setError('concurrency: a whole number ≥ 1, or empty for no limit');
    if (Number.isNaN(n)) return setError('rate: a whole number ≥ 1, or empty for no limit');
    if (n !== null && !(ev > 0)) return setError('rate interval: a number > 0');
    if (Number.isNaN(k)) return setError('key concurrency: a whole number ≥ 1');
    const body = {
      concurrency: c,
      rateLimit: n === null ? null : { count: n, intervalMs: Math.round(ev * Number(unit)) },
      keyConcurrency: k,
      strategy,
    };
    setBusy(true);
    try {
      props.onDone(await api<Queue>('PATCH', `/queues/${encodeURIComponent(q.name)}`, body));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="edit-queue" onSubmit={(e) => void save(e)} data-testid="edit-queue">
      <label>
        concurrency
        <input
          value={concurrency}
          onChange={(e) => setConcurrency(e.target.value)}
          placeholder="no limit"
          inputMode="numeric"
          name="concurrency"
        />
      </label>
      <label>
        rate: starts
        <input
          value={count}
          onChange={(e) => setCount(e.target.value)}
          placeholder="no limit"
          inputMode="numeric"
          name="rate-count"
        />
      </label>
      <label>
        per
        <span className="inline">
          <input
            className="short"
            value={every}
            onChange={(e) => setEvery(e.target.value)}
            inputMode="decimal"
            name="rate-every"
          />
          <select value={unit} onChange={(e) => setUnit(e.target.value)} name="rate-unit">
            {UNITS.map((u) => (
              <option key={u.ms} value={u.ms}>
                {u.label}(s)
              </option>
            ))}
          </select>
        </span>
      </label>
      <label>
        per-key concurrency
        <input
          value={keyConc}
          onChange={(e) => setKeyConc(e.target.value)}
          inputMode="numeric"
          name="key-concurrency"
        />
      </label>
      <label>
        placement
        <select value={strategy} onChange={(e) => setStrategy(e.target.value)} name="strategy">
          {STRATEGIES.map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
      </label>
      <div className="inline">
        <button className="btn primary" type="submit" disabled={busy}>
          Save
        </button>
        <button className="btn ghost" type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
      {error ? <p className="error-text">{error}</p> : null}
    </form>
  );
}

/** Columns of counts: running includes assigned, pending includes blocked. */
const COLUMNS: { name: string; states: readonly string[]; title: string }[] = [
  { name: 'running', states: ['running', 'assigned'], title: 'running, and assigned to a worker' },
  { name: 'ready', states: ['ready'], title: 'ready, waiting for a worker' },
  {
    name: 'pending',
    states: ['pending', 'blocked'],
    title: 'due later, or blocked on workflow parents',
  },
  { name: 'paused', states: ['paused'], title: 'paused' },
];

export function Queues() {
  const now = useNow(5000);
  const live = useLiveSnapshot();
  const queues = useResource(
    'queues',
    (signal) => api<{ queues: Queue[] }>('GET', '/queues', undefined, { signal }),
    3000,
  );
  useLive('queues', queues.reload);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const list = queues.data?.queues ?? [];
  const replace = (q: Queue) => {
    queues.set((prev) =>
      prev ? { queues: prev.queues.map((x) => (x.name === q.name ? q : x)) } : prev,
    );
    refreshQueues();
  };
  const scale = Math.max(
    1,
    ...list.map((q) => DEPTH_STATES.reduce((a, s) => a + (q.counts[s] ?? 0), 0)),
  );
  const { perMinute: rates, spanMs } = ratesOf(live.buckets, live.openedAt, now);
  const sum = (q: Queue, states: readonly string[]) =>
    states.reduce((a, s) => a + ((q.counts as Record<string, number>)[s] ?? 0), 0);
  return (
    <div className="page" data-testid="page-queues">
      <PageHeader
        title="Queues"
        sub={`Depth by state · tasks done per minute ${spanMs >= 60_000 ? 'over the last minute' : 'since this page opened'} · limits`}
      />
      <ErrorBanner error={error ?? queues.error} onClose={() => setError(null)} />
      {queues.data && list.length === 0 ? (
        <Empty title="No queues yet">
          A queue exists as soon as a task or a setting names it:{' '}
          <code>chronoq queue set emails --concurrency 5</code>.
        </Empty>
      ) : !queues.data ? (
        queues.error ? null : (
          <div className="loading">Loading…</div>
        )
      ) : (
        <>
          <StateLegend states={DEPTH_STATES} />
          <table className="table" data-testid="queues-table">
            <thead>
              <tr>
                <th>queue</th>
                <th className="bar-col">depth</th>
                {COLUMNS.map((c) => (
                  <th key={c.name} className="num" title={c.title}>
                    {c.name}
                  </th>
                ))}
                <th className="num" title="dead letters: attempts spent">
                  failed
                </th>
                <th className="num" title="tasks finished per minute, recently">
                  done
                </th>
                <th title="most tasks of the queue on workers at once">concurrency</th>
                <th title="most starts per interval">rate limit</th>
                <th className="num" title="most running tasks per concurrencyKey">
                  per key
                </th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((q) => {
                const r = rates[q.name];
                return (
                  <Fragment key={q.name}>
                    <tr data-queue={q.name}>
                      <td className="nowrap">
                        <Link to={`/tasks?queue=${encodeURIComponent(q.name)}`} className="strong">
                          {q.name}
                        </Link>{' '}
                        {q.paused ? (
                          <span className="badge state-paused" data-testid="queue-paused">
                            paused
                          </span>
                        ) : null}
                        <div className="muted small">{q.strategy}</div>
                      </td>
                      <td className="bar-col">
                        <SplitBar
                          scale={scale}
                          parts={DEPTH_STATES.map((s) => ({
                            name: s,
                            value: q.counts[s] ?? 0,
                            color: STATE_COLORS[s]!,
                          }))}
                        />
                      </td>
                      {COLUMNS.map((c) => (
                        <td
                          key={c.name}
                          className="num"
                          title={c.states.map((s) => `${s}: ${sum(q, [s])}`).join(', ')}
                        >
                          {sum(q, c.states)}
                        </td>
                      ))}
                      <td className="num">
                        {q.counts.failed ? (
                          <Link to={`/dead-letters?queue=${encodeURIComponent(q.name)}`}>
                            {q.counts.failed}
                          </Link>
                        ) : (
                          0
                        )}
                      </td>
                      <td
                        className="num nowrap"
                        data-testid="queue-throughput"
                        title={
                          r
                            ? `${perMinute(r.started)} started, ${perMinute(r.succeeded)} succeeded, ${perMinute(r.failed)} failed`
                            : 'nothing finished recently'
                        }
                      >
                        {perMinute(r ? r.succeeded + r.failed : 0)}
                      </td>
                      <td className="nowrap" data-testid="queue-concurrency">
                        {q.concurrency ?? 'unlimited'}
                      </td>
                      <td className="nowrap" data-testid="queue-rate">
                        {rate(q.rateLimit)}
                      </td>
                      <td className="num">{q.keyConcurrency}</td>
                      <td className="nowrap right">
                        {q.paused ? (
                          <ActionButton
                            label="Resume"
                            tone="primary"
                            run={async () =>
                              replace(
                                await api<Queue>(
                                  'POST',
                                  `/queues/${encodeURIComponent(q.name)}/resume`,
                                ),
                              )
                            }
                            onError={setError}
                            testid="queue-resume"
                          />
                        ) : (
                          <ActionButton
                            label="Pause"
                            run={async () =>
                              replace(
                                await api<Queue>(
                                  'POST',
                                  `/queues/${encodeURIComponent(q.name)}/pause`,
                                ),
                              )
                            }
                            onError={setError}
                            testid="queue-pause"
                          />
                        )}{' '}
                        <button
                          className="btn"
                          onClick={() => setEditing(editing === q.name ? null : q.name)}
                          data-testid="queue-edit"
                        >
                          Edit
                        </button>
                      </td>
                    </tr>
                    {editing === q.name ? (
                      <tr className="edit-row">
                        <td colSpan={COLUMNS.length + 8}>
                          <EditQueue
                            q={q}
                            onDone={(n) => {
                              replace(n);
                              setEditing(null);
                            }}
                            onCancel={() => setEditing(null)}
                          />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
