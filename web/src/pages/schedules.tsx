import { useState } from 'react';
import { api } from '../api';
import { ActionButton, Empty, ErrorBanner, PageHeader } from '../components/ui';
import { ago, duration, time } from '../format';
import { useNow, useResource } from '../hooks';
import { Link } from '../router';
import type { Schedule } from '../types';

function listOf(body: unknown): Schedule[] {
  if (Array.isArray(body)) return body as Schedule[];
  return ((body ?? {}) as { schedules?: Schedule[] }).schedules ?? [];
}

function when(s: Schedule): string {
  if (s.cron)
    return `cron ${s.cron}${s.timezone && s.timezone !== 'UTC' ? ` (${s.timezone})` : ''}`;
  if (s.every !== undefined && s.every !== null) {
    return `every ${typeof s.every === 'number' ? duration(s.every) : s.every}`;
  }
  if (s.at) return `once at ${time(s.at)}`;
  return '—';
}

export function Schedules() {
  const now = useNow(1000);
  const list = useResource(
    'schedules',
    async (signal) => listOf(await api<unknown>('GET', '/schedules', undefined, { signal })),
    5000,
  );
  const [error, setError] = useState<string | null>(null);
  const schedules = list.data ?? [];
  const key = (s: Schedule) => encodeURIComponent(s.id ?? s.name);
  return (
    <div className="page" data-testid="page-schedules">
      <PageHeader title="Schedules" sub="Recurring tasks" />
      <ErrorBanner error={error ?? list.error} onClose={() => setError(null)} />
      {list.data && schedules.length === 0 ? (
        <Empty title="No schedules yet">
          Add one with <code>chronoq schedule add NAME --every 30s TYPE</code>.
        </Empty>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>name</th>
              <th>when</th>
              <th>task</th>
              <th>next fire</th>
              <th>last fire</th>
              <th>state</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {schedules.map((s) => (
              <tr key={s.id ?? s.name}>
                <td className="strong">{s.name}</td>
                <td className="mono small">{when(s)}</td>
                <td>
                  {s.task?.type ? (
                    <Link to={`/tasks?type=${encodeURIComponent(s.task.type)}`}>{s.task.type}</Link>
                  ) : (
                    '—'
                  )}
                  {s.task?.queue ? <span className="muted"> · {s.task.queue}</span> : null}
                </td>
                <td title={time(s.nextFireAt)}>{s.paused ? '—' : ago(s.nextFireAt, now)}</td>
                <td title={time(s.lastFireAt)}>{ago(s.lastFireAt, now)}</td>
                <td>
                  <span className={`badge state-${s.paused ? 'paused' : 'running'}`}>
                    {s.paused ? 'paused' : 'active'}
                  </span>
                </td>
                <td className="nowrap right">
                  {s.paused ? (
                    <ActionButton
                      label="Resume"
                      tone="primary"
                      run={() => api('POST', `/schedules/${key(s)}/resume`)}
                      onDone={list.reload}
                      onError={setError}
                    />
                  ) : (
                    <ActionButton
                      label="Pause"
                      run={() => api('POST', `/schedules/${key(s)}/pause`)}
                      onDone={list.reload}
                      onError={setError}
                    />
                  )}{' '}
                  <ActionButton
                    label="Trigger now"
                    run={() => api('POST', `/schedules/${key(s)}/trigger`)}
                    onDone={list.reload}
                    onError={setError}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
