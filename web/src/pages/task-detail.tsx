import { useEffect, useRef, useState } from 'react';
import { api, ApiError, messageOf } from '../api';
import {
  ActionButton,
  Card,
  Empty,
  ErrorBanner,
  Json,
  Labels,
  PageHeader,
  StateBadge,
} from '../components/ui';
import { ago, between, duration, time } from '../format';
import { useDebounced, useNow, useResource } from '../hooks';
import { useLive } from '../live';
import { Link } from '../router';
import { followSse } from '../sse';
import { TERMINAL, type LogLine, type Task } from '../types';

const MAX_LINES = 2000;

/** What the state machine allows, so buttons are enabled only when the API would agree. */
function allowed(t: Task) {
  const terminal = TERMINAL.has(t.state);
  return {
    pause: !terminal && t.want === 'run',
    resume: !terminal && t.want === 'pause',
    cancel: !terminal && t.want !== 'cancel',
    retry: t.state === 'failed' || t.state === 'cancelled',
  };
}

function LogTail(props: { id: string; attempt: number; terminal: boolean }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [status, setStatus] = useState<string>('connecting');
  const last = useRef(0);
  const ended = useRef(false);
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  // A new attempt (after a retry) re-opens the stream where it left off.
  const reopen = props.terminal ? 'done' : `run-${props.attempt}`;

  useEffect(() => {
    ended.current = false;
    const stop = followSse({
      path: () =>
        `/tasks/${encodeURIComponent(props.id)}/logs?follow=1${last.current ? `&after=${last.current}` : ''}`,
      finished: () => ended.current,
      onStatus: (s) => setStatus(s),
      onMessage: (m) => {
        if (m.event === 'end') {
          ended.current = true;
          return;
        }
        if (m.event !== 'log') return;
        const l = JSON.parse(m.data) as LogLine;
        if (l.seq <= last.current) return;
        last.current = l.seq;
        setLines((prev) => {
          const n = [...prev, l];
          return n.length > MAX_LINES ? n.slice(-MAX_LINES) : n;
        });
      },
    });
    return stop;
  }, [props.id, reopen]);

  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <Card
      title={
        <>
          Logs{' '}
          <span className={`muted small live-${status}`} data-testid="log-status">
            {status === 'open' ? '● following' : status === 'ended' ? 'complete' : status}
          </span>
        </>
      }
    >
      <div
        className="logs"
        ref={box}
        data-testid="logs"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {lines.length === 0 ? (
          <div className="muted">
            {status === 'ended' ? 'No output was captured.' : 'Waiting for output…'}
          </div>
        ) : (
          lines.map((l) => (
            <div key={l.seq} className={`log log-${l.stream}`}>
              <span className="log-meta" title={time(l.at)}>
                #{l.attempt} {l.stream}
              </span>
              <span className="log-line">{l.line}</span>
            </div>
          ))
        )}
      </div>
    </Card>
  );
}

export function TaskDetail(props: { id: string }) {
  const { id } = props;
  const now = useNow(1000);
  const task = useResource(`task:${id}`, (signal) =>
    api<Task>('GET', `/tasks/${encodeURIComponent(id)}`, undefined, { signal }),
  );
  const [actionError, setActionError] = useState<string | null>(null);
  const refresh = useDebounced(task.reload, 150);
  useLive('tasks', (changes) => {
    if (changes.some((c) => c.id === id)) refresh();
  });
  useLive('logs', (e) => {
    // progress travels with log reports; refresh while it runs
    if (e.taskIds.includes(id) && task.data?.state === 'running') refresh();
  });

  const t = task.data;
  if (!t) {
    return (
      <div className="page" data-testid="page-task">
        <PageHeader title="Task" sub={<span className="mono">{id}</span>} />
        {task.error ? (
          <Empty title="Task not found">
            {task.error}. <Link to="/tasks">Back to tasks</Link>
          </Empty>
        ) : (
          <div className="loading">Loading…</div>
        )}
      </div>
    );
  }

  const can = allowed(t);
  const act = (action: 'pause' | 'resume' | 'cancel' | 'retry') => async () => {
    setActionError(null);
    try {
      const next = await api<Task>('POST', `/tasks/${encodeURIComponent(id)}/${action}`);
      task.set((prev) => (prev ? { ...prev, ...next } : next));
      refresh();
    } catch (err) {
      throw new Error(
        err instanceof ApiError
          ? `${action} refused (${err.status}): ${err.message}`
          : messageOf(err),
      );
    }
  };
  const ex = t.executor;
  const timeline = [...(t.events ?? [])].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

  return (
    <div className="page" data-testid="page-task">
      <PageHeader
        title={t.type}
        sub={
          <>
            <span className="mono" data-testid="task-id">
              {t.id}
            </span>{' '}
            · queue <Link to={`/tasks?queue=${encodeURIComponent(t.queue)}`}>{t.queue}</Link> ·
            created {ago(t.createdAt, now)}
          </>
        }
      >
        <ActionButton
          label="Pause"
          disabled={!can.pause}
          run={act('pause')}
          onError={setActionError}
          testid="act-pause"
        />
        <ActionButton
          label="Resume"
          disabled={!can.resume}
          run={act('resume')}
          onError={setActionError}
          testid="act-resume"
          tone="primary"
        />
        <ActionButton
          label="Cancel"
          disabled={!can.cancel}
          run={act('cancel')}
          onError={setActionError}
          testid="act-cancel"
          tone="danger"
        />
        <ActionButton
          label="Retry"
          disabled={!can.retry}
          run={act('retry')}
          onError={setActionError}
          testid="act-retry"
        />
      </PageHeader>
      <ErrorBanner error={actionError} onClose={() => setActionError(null)} />
      <div className="stats">
        <div className="stat" data-testid="task-state" data-state={t.state} data-want={t.want}>
          <div className="stat-value">
            <StateBadge state={t.state} want={t.want} />
          </div>
          <div className="stat-label">state · wants {t.want}</div>
        </div>
        <div className="stat">
          <div className="stat-value">
            {t.attempt}
            <span className="muted small"> of {t.maxAttempts}</span>
          </div>
          <div className="stat-label">attempt · {t.attemptsLeft} left</div>
        </div>
        <div className="stat">
          <div className="stat-value">
            {t.progress === null ? '—' : `${Math.round(t.progress)}%`}
          </div>
          <div className="stat-label">progress</div>
          {t.progress !== null ? (
            <div className="progress">
              <div style={{ width: `${Math.min(100, t.progress)}%` }} />
            </div>
          ) : null}
        </div>
        <div className="stat">
          <div className="stat-value small-value">{between(t.startedAt, t.finishedAt, now)}</div>
          <div className="stat-label">
            {t.finishedAt ? 'ran for' : t.startedAt ? 'running for' : 'not started'}
          </div>
        </div>
        <div className="stat">
          <div className="stat-value small-value mono ellipsis" title={t.workerId ?? ''}>
            {t.workerId ?? '—'}
          </div>
          <div className="stat-label">worker</div>
        </div>
      </div>
      <div className="grid-2">
        <div className="col">
          <Card title="Spec">
            <dl className="kv">
              <dt>type</dt>
              <dd className="mono">{t.type}</dd>
              <dt>queue</dt>
              <dd>{t.queue}</dd>
              <dt>priority</dt>
              <dd>{t.priority}</dd>
              <dt>executor</dt>
              <dd>
                <span className="mono">{ex.kind}</span>
                {ex.kind === 'process' && Array.isArray(ex.command) ? (
                  <span className="mono"> {(ex.command as string[]).join(' ')}</span>
                ) : null}
                {ex.kind === 'http' && typeof ex.url === 'string' ? (
                  <span className="mono">
                    {' '}
                    {String(ex.method ?? 'POST')} {ex.url}
                  </span>
                ) : null}
              </dd>
              <dt>limits</dt>
              <dd>
                timeout {t.timeoutMs === null ? 'none' : duration(t.timeoutMs)} · {t.maxAttempts}{' '}
                attempts · {t.backoff.kind} backoff {duration(t.backoff.initialMs)}–
                {duration(t.backoff.maxMs)}
                {t.resources.cpu !== undefined || t.resources.memoryMb !== undefined
                  ? ` · cpu ${t.resources.cpu ?? '—'}, memory ${t.resources.memoryMb ?? '—'} MB`
                  : ''}
              </dd>
              <dt>run at</dt>
              <dd title={time(t.runAt)}>
                {t.runAt ? `${time(t.runAt)} (${ago(t.runAt, now)})` : 'now'}
              </dd>
              {t.idempotencyKey ? (
                <>
                  <dt>idempotency</dt>
                  <dd className="mono">{t.idempotencyKey}</dd>
                </>
              ) : null}
              {t.concurrencyKey ? (
                <>
                  <dt>concurrency key</dt>
                  <dd className="mono">{t.concurrencyKey}</dd>
                </>
              ) : null}
              {Object.keys(t.selector).length ? (
                <>
                  <dt>selector</dt>
                  <dd>
                    <Labels labels={t.selector} />
                  </dd>
                </>
              ) : null}
              {t.tolerations.length ? (
                <>
                  <dt>tolerations</dt>
                  <dd className="mono">
                    {t.tolerations
                      .map(
                        (x) =>
                          `${x.key}${x.value ? `=${x.value}` : ''}${x.effect ? `:${x.effect}` : ''}`,
                      )
                      .join(', ')}
                  </dd>
                </>
              ) : null}
              <dt>labels</dt>
              <dd>
                <Labels labels={t.labels} />
              </dd>
              {t.workflowId ? (
                <>
                  <dt>workflow</dt>
                  <dd className="mono">
                    {t.workflowId} · step {t.stepId}
                  </dd>
                </>
              ) : null}
              {t.scheduleId ? (
                <>
                  <dt>schedule</dt>
                  <dd className="mono">
                    {t.scheduleId} · fire {time(t.fireAt)}
                  </dd>
                </>
              ) : null}
            </dl>
            <h3>payload</h3>
            <Json value={t.payload} max={220} />
          </Card>
          {t.error ? (
            <Card title="Error" className="card-error">
              <p className="error-text" data-testid="task-error">
                {t.error.message}
              </p>
              {Object.keys(t.error).length > 1 ? <Json value={t.error} max={160} /> : null}
            </Card>
          ) : null}
          {t.state === 'succeeded' ? (
            <Card title="Result">
              <Json value={t.result ?? null} max={220} />
            </Card>
          ) : null}
        </div>
        <div className="col">
          <LogTail id={id} attempt={t.attempt} terminal={TERMINAL.has(t.state)} />
          <Card title="Attempts">
            {(t.attempts ?? []).length === 0 ? (
              <div className="muted">No attempt yet.</div>
            ) : (
              <table className="table compact" data-testid="attempts">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>outcome</th>
                    <th>worker</th>
                    <th>started</th>
                    <th>took</th>
                    <th>error</th>
                  </tr>
                </thead>
                <tbody>
                  {(t.attempts ?? []).map((a) => (
                    <tr key={a.attempt}>
                      <td>{a.attempt}</td>
                      <td>
                        <span className={`badge outcome-${a.outcome}`}>{a.outcome}</span>
                      </td>
                      <td className="mono ellipsis" title={a.workerId ?? ''}>
                        {a.workerId ?? '—'}
                      </td>
                      <td className="nowrap">{time(a.startedAt)}</td>
                      <td className="nowrap">{between(a.startedAt, a.finishedAt, now)}</td>
                      <td className="ellipsis" title={a.error?.message}>
                        {a.error?.message ?? ''}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
          <Card title="Timeline">
            <ol className="timeline" data-testid="timeline">
              {timeline.map((e, i) => (
                <li key={i}>
                  <span className="when" title={time(e.at)}>
                    {time(e.at)}
                  </span>
                  <span className="what">
                    <b>{e.kind}</b>
                    {e.from || e.to ? (
                      <span className="muted">
                        {' '}
                        {e.from ?? '∅'} → {e.to ?? '∅'}
                      </span>
                    ) : null}
                    {e.attempt ? <span className="muted"> · attempt {e.attempt}</span> : null}
                    {e.actor ? <span className="muted"> · by {e.actor}</span> : null}
                    {e.detail && Object.keys(e.detail).length ? (
                      <span className="detail mono"> {JSON.stringify(e.detail)}</span>
                    ) : null}
                  </span>
                </li>
              ))}
            </ol>
          </Card>
        </div>
      </div>
    </div>
  );
}
