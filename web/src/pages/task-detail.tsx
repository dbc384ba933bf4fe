import { Fragment, useEffect, useRef, useState } from 'react';
import { api, ApiError, messageOf } from '../api';
import {
  ActionButton,
  Card,
  DetailPending,
  ErrorBanner,
  Json,
  Labels,
  PageHeader,
  StateBadge,
} from '../components/ui';
import { ago, between, clock, duration, percent, percentText, plural, time } from '../format';
import { useDebounced, useNow, useResource } from '../hooks';
import { useLive } from '../live';
import { Link } from '../router';
import { followSse } from '../sse';
import { TERMINAL, type LogLine, type Task, type TaskEvent } from '../types';

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
        className={`logs${lines.length === 0 ? ' empty-logs' : ''}`}
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
              <span
                className="log-meta"
                title={`attempt ${l.attempt} · ${l.stream} · ${time(l.at)}`}
              >
                {props.attempt > 1 ? `#${l.attempt} ` : ''}
                {clock(Date.parse(l.at))}
                {l.stream === 'log' ? '' : ` ${l.stream}`}
              </span>
              <span className="log-line">{l.line}</span>
            </div>
          ))
        )}
      </div>
    </Card>
  );
}

interface Entry {
  at: string;
  /** Where it sorts: an attempt's start goes before every event of that attempt. */
  sortAt?: string;
  kind: string;
  title: string;
  note: string | null;
  detail: string | null;
  tone: 'info' | 'ok' | 'bad' | 'act';
}

/** A short, readable form of an event's detail: its error, worker and other fields. */
function describe(detail: Record<string, unknown> | null): string | null {
  if (!detail) return null;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(detail)) {
    if (k === 'action' || k === 'want' || v === null || v === undefined) continue;
    if (k === 'error' && typeof v === 'object' && v && 'message' in v) {
      parts.push(String((v as { message: unknown }).message));
    } else if (k === 'workerId') {
      parts.push(`on ${String(v)}`);
    } else {
      parts.push(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
    }
  }
  return parts.length ? parts.join(' · ') : null;
}

function eventEntry(e: TaskEvent): Entry {
  // "running → running" (a wanted state set, the state not yet moved) says nothing.
  const move = e.from === e.to ? '' : `${e.from ?? '∅'} → ${e.to ?? '∅'}`;
  const by = e.actor ? ` · by ${e.actor}` : '';
  const att = e.attempt ? ` · attempt ${e.attempt}` : '';
  const bad = e.to === 'failed' || e.kind === 'failed' || e.kind === 'lost';
  const act = ['pause', 'resume', 'cancel', 'retry'].includes(e.kind);
  return {
    at: e.at,
    kind: e.kind,
    title: e.kind,
    note: `${move}${att}${by}`.replace(/^ · /, '') || null,
    detail: describe(e.detail),
    tone: bad ? 'bad' : act ? 'act' : e.to === 'succeeded' ? 'ok' : 'info',
  };
}

/**
 * One timeline of the task: its recorded events (submitted, actions, failures, ...) merged with
 * its attempts (each start on a worker and its end), oldest first.
 */
export function timelineOf(t: Task): Entry[] {
  const out: Entry[] = (t.events ?? []).map(eventEntry);
  const hasEvent = (kind: string, attempt: number) =>
    (t.events ?? []).some((e) => e.attempt === attempt && (e.kind === kind || e.to === kind));
  for (const a of t.attempts ?? []) {
    const first = (t.events ?? [])
      .filter((e) => e.attempt === a.attempt)
      .reduce((m, e) => (e.at < m ? e.at : m), a.startedAt);
    out.push({
      at: a.startedAt,
      sortAt: first,
      kind: 'started',
      title: `attempt ${a.attempt} started`,
      note: a.workerId ? `on ${a.workerId}` : null,
      detail: null,
      tone: 'info',
    });
    if (a.finishedAt && !hasEvent(a.outcome, a.attempt)) {
      out.push({
        at: a.finishedAt,
        kind: a.outcome,
        title: `attempt ${a.attempt} ${a.outcome}`,
        note: `after ${between(a.startedAt, a.finishedAt)}`,
        detail: a.error?.message ?? null,
        tone: a.outcome === 'succeeded' ? 'ok' : a.error ? 'bad' : 'info',
      });
    }
  }
  const key = (e: Entry) => e.sortAt ?? e.at;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.sortAt ? -1 : 0));
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
      <DetailPending
        testid="page-task"
        kind="Task"
        id={id}
        error={task.error}
        back={<Link to="/tasks">Back to tasks</Link>}
      />
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
  const pct = percent(t.progress);
  const timeline = timelineOf(t);
  const terminal = TERMINAL.has(t.state);
  const worker = t.workerId ?? t.attempts?.[t.attempts.length - 1]?.workerId ?? null;

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
          <div className="stat-label">
            {terminal || t.want === 'run' || (t.want === 'pause' && t.state === 'paused')
              ? 'state'
              : `state · wants ${t.want}`}
          </div>
        </div>
        <div className="stat">
          <div className="stat-value">
            {t.attempt}
            <span className="muted small"> of {t.maxAttempts}</span>
          </div>
          <div className="stat-label">attempt · {t.attemptsLeft} left</div>
        </div>
        <div className="stat">
          <div className="stat-value" data-testid="task-progress">
            {percentText(t.progress) ?? '—'}
          </div>
          <div className="stat-label">progress</div>
          {pct !== null ? (
            <div className="progress">
              <div style={{ width: `${pct}%` }} />
            </div>
          ) : null}
        </div>
        <div className="stat">
          <div className="stat-value small-value">{between(t.startedAt, t.finishedAt, now)}</div>
          <div className="stat-label">
            {t.finishedAt
              ? 'ran for'
              : !t.startedAt
                ? 'not started'
                : t.state === 'paused'
                  ? 'since it started'
                  : 'running for'}
          </div>
        </div>
        <div className="stat">
          <div className="stat-value small-value mono ellipsis" title={worker ?? ''}>
            {worker ?? '—'}
          </div>
          <div className="stat-label">{t.workerId ? 'worker' : 'last worker'}</div>
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
                timeout {t.timeoutMs === null ? 'none' : duration(t.timeoutMs)} ·{' '}
                {plural(t.maxAttempts, 'attempt')} · {t.backoff.kind} backoff{' '}
                {duration(t.backoff.initialMs)} to {duration(t.backoff.maxMs)}
                {t.restart && t.restart !== 'never' ? ` · restart ${t.restart}` : ''}
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
                  <dd data-testid="task-workflow">
                    <Link to={`/workflows/${encodeURIComponent(t.workflowId)}`} className="mono">
                      {t.workflowId}
                    </Link>{' '}
                    · {t.compensation ? 'compensation of step' : 'step'}{' '}
                    <span className="mono">{t.stepId}</span>
                  </dd>
                </>
              ) : null}
              {t.scheduleId ? (
                <>
                  <dt>schedule</dt>
                  <dd data-testid="task-schedule">
                    <Link to={`/schedules/${encodeURIComponent(t.scheduleId)}`} className="mono">
                      {t.scheduleId}
                    </Link>{' '}
                    · {t.fireAt ? `fire time ${time(t.fireAt)}` : 'triggered by hand'}
                  </dd>
                </>
              ) : null}
              {t.parentId ? (
                <>
                  <dt>parent</dt>
                  <dd>
                    <Link to={`/tasks/${encodeURIComponent(t.parentId)}`} className="mono">
                      {t.parentId}
                    </Link>
                    {t.shard ? ` · shard ${t.shard.index + 1} of ${t.shard.total}` : ''}
                  </dd>
                </>
              ) : null}
              {t.shards || t.broadcast ? (
                <>
                  <dt>fan-out</dt>
                  <dd>
                    {t.broadcast ? 'broadcast to every matching worker' : `${t.shards} shards`}
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
                  </tr>
                </thead>
                <tbody>
                  {(t.attempts ?? []).map((a) => (
                    <Fragment key={a.attempt}>
                      <tr className={a.error ? 'has-detail' : undefined}>
                        <td>{a.attempt}</td>
                        <td>
                          <span className={`badge outcome-${a.outcome}`}>{a.outcome}</span>
                        </td>
                        <td className="mono ellipsis" title={a.workerId ?? ''}>
                          {a.workerId ?? '—'}
                        </td>
                        <td className="nowrap">{time(a.startedAt)}</td>
                        <td className="nowrap">{between(a.startedAt, a.finishedAt, now)}</td>
                      </tr>
                      {a.error ? (
                        <tr className="detail-row">
                          <td />
                          <td colSpan={4} className="error-text small" title={a.error.message}>
                            {a.error.message}
                          </td>
                        </tr>
                      ) : null}
                    </Fragment>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
          <Card title="Timeline">
            <ol className="timeline" data-testid="timeline">
              {timeline.map((e, i) => (
                <li key={i} className={`tl-${e.tone}`} data-kind={e.kind}>
                  <span className="when" title={time(e.at)}>
                    {time(e.at)}
                  </span>
                  <span className="what">
                    <b>{e.title}</b>
                    {e.note ? <span className="muted"> {e.note}</span> : null}
                    {e.detail ? <div className="detail">{e.detail}</div> : null}
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
