import { useState } from 'react';
import { api } from '../api';
import { ActionButton, Empty, ErrorBanner, Labels, Meter, PageHeader } from '../components/ui';
import { ago, time } from '../format';
import { useDebounced, useNow, useResource } from '../hooks';
import { useLive } from '../live';
import type { TaskPage, WorkerInfo } from '../types';

function status(w: WorkerInfo): { text: string; tone: string } {
  if (w.status !== 'live')
    return { text: w.status, tone: w.status === 'lost' ? 'failed' : 'cancelled' };
  if (w.draining) return { text: 'draining', tone: 'paused' };
  if (w.cordoned) return { text: 'cordoned', tone: 'paused' };
  return { text: 'live', tone: 'succeeded' };
}

export function Workers() {
  const now = useNow(1000);
  const workers = useResource(
    'workers',
    (signal) => api<{ workers: WorkerInfo[] }>('GET', '/workers', undefined, { signal }),
    5000,
  );
  useLive('workers', workers.reload);
  // What each worker holds right now, from the tasks themselves (heartbeats report the load
  // only every few seconds): running and paused ones, and those waiting in its prefetch.
  const held = useResource(
    'worker-tasks',
    (signal) =>
      api<TaskPage>('GET', '/tasks?state=assigned,running,paused&limit=1000', undefined, {
        signal,
      }),
    5000,
  );
  const reloadHeld = useDebounced(held.reload, 500);
  useLive('tasks', reloadHeld);
  const holding = new Map<string, { running: number; assigned: number; paused: number }>();
  for (const t of held.data?.tasks ?? []) {
    if (!t.workerId) continue;
    const h = holding.get(t.workerId) ?? { running: 0, assigned: 0, paused: 0 };
    if (t.state === 'running' || t.state === 'assigned' || t.state === 'paused') h[t.state] += 1;
    holding.set(t.workerId, h);
  }
  const [error, setError] = useState<string | null>(null);
  const list = workers.data?.workers ?? [];
  const act = (w: WorkerInfo, action: 'cordon' | 'uncordon' | 'drain') => async () => {
    const next = await api<WorkerInfo>('POST', `/workers/${encodeURIComponent(w.id)}/${action}`);
    workers.set((prev) =>
      prev ? { workers: prev.workers.map((x) => (x.id === next.id ? next : x)) } : prev,
    );
  };
  const live = list.filter((w) => w.status === 'live');
  return (
    <div className="page" data-testid="page-workers">
      <PageHeader
        title="Workers"
        sub={`${live.length} live · ${live.reduce((a, w) => a + w.load, 0)} of ${live.reduce((a, w) => a + w.capacity, 0)} slots busy`}
      />
      <ErrorBanner error={error ?? workers.error} onClose={() => setError(null)} />
      {workers.data && list.length === 0 ? (
        <Empty title="No workers">
          Workers appear here when they connect: <code>chronoq worker --url …</code>, or the
          server&apos;s own local pool.
        </Empty>
      ) : (
        <table className="table" data-testid="workers-table">
          <thead>
            <tr>
              <th>worker</th>
              <th>status</th>
              <th className="load-col">load</th>
              <th>heartbeat</th>
              <th>labels</th>
              <th>taints</th>
              <th>runs</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((w) => {
              const s = status(w);
              const h = holding.get(w.id);
              const beat = now - Date.parse(w.heartbeatAt);
              return (
                <tr key={w.id} data-worker-id={w.id}>
                  <td>
                    <div className="strong ellipsis" title={w.id}>
                      {w.name}
                    </div>
                    <div
                      className="muted small ellipsis"
                      title={`id ${w.id} · replica ${w.replicaId}`}
                    >
                      via {w.replicaId} · up {ago(w.startedAt, now).replace(' ago', '')}
                    </div>
                  </td>
                  <td>
                    <span className={`badge state-${s.tone}`} data-testid="worker-status">
                      {s.text}
                    </span>
                  </td>
                  <td className="load-col" data-testid="worker-load">
                    <Meter
                      value={w.load}
                      max={w.capacity}
                      label={`${w.load} / ${w.capacity} slots`}
                    />
                    <div className="muted small nowrap" data-testid="worker-held">
                      {h && h.paused ? `${h.paused} paused · ` : ''}
                      {w.prefetch ? (
                        <span data-testid="worker-prefetch">
                          {h?.assigned ?? 0} of {w.prefetch} prefetched
                        </span>
                      ) : h?.assigned ? (
                        `${h.assigned} starting`
                      ) : null}
                    </div>
                  </td>
                  <td
                    className={`nowrap ${w.status === 'live' && beat > 10_000 ? 'warn-text' : ''}`}
                    title={time(w.heartbeatAt)}
                  >
                    {ago(w.heartbeatAt, now)}
                  </td>
                  <td>
                    <Labels labels={w.labels} />
                  </td>
                  <td>
                    {w.taints.length === 0 ? (
                      <span className="muted">—</span>
                    ) : (
                      <span className="chips">
                        {w.taints.map((t) => (
                          <span className="chip taint" key={`${t.key}:${t.effect}`}>
                            {t.key}
                            {t.value ? `=${t.value}` : ''}:{t.effect}
                          </span>
                        ))}
                      </span>
                    )}
                  </td>
                  <td className="small">
                    <div>{w.executors.join(', ') || '—'}</div>
                    <div className="muted">
                      queues: {w.queues ? w.queues.join(', ') : 'all'}
                      {w.types ? ` · ${w.types.length} types` : ''}
                    </div>
                  </td>
                  <td className="nowrap right">
                    {w.cordoned ? (
                      <ActionButton
                        label="Uncordon"
                        run={act(w, 'uncordon')}
                        onError={setError}
                        disabled={w.status !== 'live'}
                        testid="uncordon"
                      />
                    ) : (
                      <ActionButton
                        label="Cordon"
                        run={act(w, 'cordon')}
                        onError={setError}
                        disabled={w.status !== 'live'}
                        testid="cordon"
                      />
                    )}{' '}
                    <ActionButton
                      label="Drain"
                      run={act(w, 'drain')}
                      onError={setError}
                      disabled={w.status !== 'live' || w.draining}
                      title="Stop new placements and let its running tasks finish"
                      tone="danger"
                      testid="drain"
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
