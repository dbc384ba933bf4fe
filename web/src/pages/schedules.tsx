import { useState } from 'react';
import { api, ApiError, messageOf } from '../api';
import {
  ActionButton,
  Card,
  DetailPending,
  Empty,
  ErrorBanner,
  Json,
  Labels,
  PageHeader,
  StateBadge,
} from '../components/ui';
import { ago, between, duration, shortId, time, zoned } from '../format';
import { useDebounced, useNow, useResource } from '../hooks';
import { useLive } from '../live';
import { Link } from '../router';
import type { Schedule, ScheduleDetail, Task } from '../types';

/** The API takes a schedule's id or its name; the id never changes. */
const ref = (s: Pick<Schedule, 'id'>) => encodeURIComponent(s.id);

export function timing(s: Schedule): string {
  if (s.cron) return `cron ${s.cron}`;
  if (s.every !== null) return `every ${duration(s.every)}`;
  if (s.at) return `once at ${time(s.at)}`;
  return '—';
}

/** The first fire time still ahead (the list is read every few seconds; time moves on). */
function nextFire(s: Schedule, now: number): string | null {
  if (s.paused) return null;
  return s.nextFires.find((f) => Date.parse(f) > now - 1000) ?? s.nextFireAt;
}

function misfire(m: Schedule['misfire']): string {
  return typeof m === 'string' ? m : `catch up ${m.catchUp}`;
}

function StateOf(props: { s: Schedule }) {
  const { s } = props;
  const done = !s.paused && s.nextFireAt === null;
  const text = s.paused ? 'paused' : done ? 'done' : 'active';
  return (
    <span
      className={`badge state-${s.paused ? 'paused' : done ? 'cancelled' : 'running'}`}
      data-testid="schedule-state"
    >
      {text}
    </span>
  );
}

/** Pause or Resume and Trigger now; `onTriggered` gets the task the trigger made. */
function ScheduleActions(props: {
  s: Schedule;
  onChanged: (s: Schedule) => void;
  onTriggered: (t: Task) => void;
  onError: (m: string) => void;
}) {
  const { s } = props;
  const refused = (what: string) => (err: unknown) => {
    throw new Error(
      `${what} refused${err instanceof ApiError ? ` (${err.status})` : ''}: ${messageOf(err)}`,
    );
  };
  return (
    <>
      {s.paused ? (
        <ActionButton
          label="Resume"
          tone="primary"
          testid="schedule-resume"
          run={async () =>
            props.onChanged(
              await api<Schedule>('POST', `/schedules/${ref(s)}/resume`).catch(refused('resume')),
            )
          }
          onError={props.onError}
        />
      ) : (
        <ActionButton
          label="Pause"
          testid="schedule-pause"
          disabled={s.nextFireAt === null}
          run={async () =>
            props.onChanged(
              await api<Schedule>('POST', `/schedules/${ref(s)}/pause`).catch(refused('pause')),
            )
          }
          onError={props.onError}
        />
      )}{' '}
      <ActionButton
        label="Trigger now"
        testid="schedule-trigger"
        title="Run the schedule's task now, outside its timetable"
        run={async () =>
          props.onTriggered(
            await api<Task>('POST', `/schedules/${ref(s)}/trigger`).catch(refused('trigger')),
          )
        }
        onError={props.onError}
      />
    </>
  );
}

function Triggered(props: { task: Task | null; onClose: () => void }) {
  if (!props.task) return null;
  return (
    <div className="notice ok" data-testid="triggered">
      Triggered: task{' '}
      <Link to={`/tasks/${encodeURIComponent(props.task.id)}`} className="mono">
        {props.task.id}
      </Link>
      .
      <button className="link" onClick={props.onClose} aria-label="dismiss">
        ×
      </button>
    </div>
  );
}

export function Schedules() {
  const now = useNow(1000);
  const list = useResource(
    'schedules',
    (signal) => api<{ schedules: Schedule[] }>('GET', '/schedules', undefined, { signal }),
    10_000,
  );
  const reload = useDebounced(list.reload, 250);
  useLive('schedules', reload);
  const [error, setError] = useState<string | null>(null);
  const [triggered, setTriggered] = useState<Task | null>(null);
  const schedules = list.data?.schedules ?? [];
  const replace = (n: Schedule) =>
    list.set((prev) =>
      prev ? { schedules: prev.schedules.map((x) => (x.id === n.id ? n : x)) } : prev,
    );
  const active = schedules.filter((s) => !s.paused).length;
  return (
    <div className="page" data-testid="page-schedules">
      <PageHeader
        title="Schedules"
        sub={
          list.data
            ? `${schedules.length} schedules · ${active} active · times in your browser's zone`
            : 'Recurring tasks'
        }
      />
      <ErrorBanner error={error ?? list.error} onClose={() => setError(null)} />
      <Triggered task={triggered} onClose={() => setTriggered(null)} />
      {list.data && schedules.length === 0 ? (
        <Empty title="No schedules yet">
          Add one with <code>chronoq schedule add NAME --every 30s --type chronoq.noop</code> or{' '}
          <code>POST /api/v1/schedules</code>.
        </Empty>
      ) : !list.data ? (
        list.error ? null : (
          <div className="loading">Loading…</div>
        )
      ) : (
        <table className="table" data-testid="schedules-table">
          <thead>
            <tr>
              <th>name</th>
              <th>timing</th>
              <th>task</th>
              <th>next fire</th>
              <th>last fire</th>
              <th className="num">runs</th>
              <th>state</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {schedules.map((s) => {
              const next = nextFire(s, now);
              return (
                <tr key={s.id} data-schedule={s.name}>
                  <td className="strong nowrap">
                    <Link to={`/schedules/${ref(s)}`}>{s.name}</Link>
                  </td>
                  <td className="small">
                    <span className="mono">{timing(s)}</span>
                    {s.cron || s.timezone !== 'UTC' ? (
                      <div className="muted">{s.timezone}</div>
                    ) : null}
                  </td>
                  <td className="ellipsis" title={`${s.task.type} · queue ${s.task.queue}`}>
                    <Link to={`/tasks?type=${encodeURIComponent(s.task.type)}`}>{s.task.type}</Link>
                    <span className="muted"> · {s.task.queue}</span>
                  </td>
                  <td className="nowrap" title={time(next)} data-testid="schedule-next">
                    {next ? ago(next, now) : '—'}
                  </td>
                  <td className="nowrap" title={time(s.lastFireAt)}>
                    {ago(s.lastFireAt, now)}
                  </td>
                  <td className="num">
                    {s.runs}
                    {s.maxRuns !== null ? <span className="muted">/{s.maxRuns}</span> : null}
                  </td>
                  <td>
                    <StateOf s={s} />
                  </td>
                  <td className="nowrap right">
                    <ScheduleActions
                      s={s}
                      onChanged={replace}
                      onTriggered={(t) => {
                        setTriggered(t);
                        reload();
                      }}
                      onError={setError}
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

export function ScheduleDetailPage(props: { id: string }) {
  const { id } = props;
  const now = useNow(1000);
  const res = useResource(`schedule:${id}`, (signal) =>
    api<ScheduleDetail>('GET', `/schedules/${encodeURIComponent(id)}`, undefined, { signal }),
  );
  const reload = useDebounced(res.reload, 200);
  const s = res.data;
  const runIds = new Set((s?.recentRuns ?? []).map((t) => t.id));
  useLive('schedules', reload);
  useLive('tasks', (changes) => {
    if (changes.some((c) => runIds.has(c.id))) reload();
  });
  const [error, setError] = useState<string | null>(null);
  const [triggered, setTriggered] = useState<Task | null>(null);

  if (!s) {
    return (
      <DetailPending
        testid="page-schedule"
        kind="Schedule"
        id={id}
        error={res.error}
        back={<Link to="/schedules">Back to schedules</Link>}
      />
    );
  }
  const t = s.task;
  const upcoming = s.nextFires.filter((f) => Date.parse(f) > now - 1000);
  return (
    <div className="page" data-testid="page-schedule">
      <PageHeader
        title={s.name}
        sub={
          <>
            <Link to="/schedules">Schedules</Link> · <span className="mono">{s.id}</span> ·{' '}
            <StateOf s={s} />
          </>
        }
      >
        <ScheduleActions
          s={s}
          onChanged={(n) => {
            res.set((prev) => (prev ? { ...prev, ...n } : prev));
            reload();
          }}
          onTriggered={(task) => {
            setTriggered(task);
            reload();
          }}
          onError={setError}
        />
      </PageHeader>
      <ErrorBanner error={error ?? res.error} onClose={() => setError(null)} />
      <Triggered task={triggered} onClose={() => setTriggered(null)} />
      <div className="grid-2">
        <div className="col">
          <Card title="Definition">
            <dl className="kv" data-testid="schedule-definition">
              <dt>timing</dt>
              <dd className="mono">{timing(s)}</dd>
              <dt>time zone</dt>
              <dd>{s.timezone}</dd>
              <dt>overlap</dt>
              <dd>{s.overlap}</dd>
              <dt>misfire</dt>
              <dd>{misfire(s.misfire)}</dd>
              <dt>runs</dt>
              <dd>
                {s.runs} fired
                {s.maxRuns !== null ? ` of at most ${s.maxRuns}` : ''} · manual triggers not counted
              </dd>
              {s.startAt || s.endAt ? (
                <>
                  <dt>window</dt>
                  <dd>
                    {s.startAt ? `from ${time(s.startAt)}` : ''}
                    {s.startAt && s.endAt ? ' ' : ''}
                    {s.endAt ? `until ${time(s.endAt)}` : ''}
                  </dd>
                </>
              ) : null}
              {s.jitterMs ? (
                <>
                  <dt>jitter</dt>
                  <dd>up to {duration(s.jitterMs)}</dd>
                </>
              ) : null}
              <dt>last fire</dt>
              <dd title={time(s.lastFireAt)}>
                {s.lastFireAt ? `${time(s.lastFireAt)} (${ago(s.lastFireAt, now)})` : 'never'}
              </dd>
              {s.bufferedFireAt ? (
                <>
                  <dt>held back</dt>
                  <dd>{time(s.bufferedFireAt)}, until the active run ends</dd>
                </>
              ) : null}
              <dt>created</dt>
              <dd title={time(s.createdAt)}>{ago(s.createdAt, now)}</dd>
            </dl>
          </Card>
          <Card title="Task of each run">
            <dl className="kv">
              <dt>type</dt>
              <dd className="mono">
                <Link to={`/tasks?type=${encodeURIComponent(t.type)}`}>{t.type}</Link>
              </dd>
              <dt>queue</dt>
              <dd>
                <Link to={`/tasks?queue=${encodeURIComponent(t.queue)}`}>{t.queue}</Link>
              </dd>
              <dt>priority</dt>
              <dd>{t.priority}</dd>
              <dt>attempts</dt>
              <dd>
                {t.maxAttempts}
                {t.timeoutMs !== null ? ` · timeout ${duration(t.timeoutMs)}` : ''}
              </dd>
              <dt>executor</dt>
              <dd className="mono">{t.executor.kind}</dd>
              {Object.keys(t.labels).length ? (
                <>
                  <dt>labels</dt>
                  <dd>
                    <Labels labels={t.labels} />
                  </dd>
                </>
              ) : null}
            </dl>
            <h3>payload</h3>
            <Json value={t.payload ?? null} max={160} />
          </Card>
        </div>
        <div className="col">
          <Card title="Next fire times">
            {upcoming.length === 0 ? (
              <div className="muted" data-testid="next-fires-empty">
                {s.paused
                  ? 'Paused: no fire times until it is resumed (the ones passed meanwhile are skipped).'
                  : 'No more fire times: the schedule is done.'}
              </div>
            ) : (
              <ol className="fires" data-testid="next-fires">
                {upcoming.map((f) => (
                  <li key={f} data-testid="next-fire" data-at={f}>
                    <span className="strong">{time(f)}</span>
                    <span className="muted"> · {ago(f, now)}</span>
                    {s.timezone !== Intl.DateTimeFormat().resolvedOptions().timeZone ? (
                      <div className="muted small">{zoned(f, s.timezone)}</div>
                    ) : null}
                  </li>
                ))}
              </ol>
            )}
          </Card>
          <Card title="Recent runs">
            {s.recentRuns.length === 0 ? (
              <div className="muted">No run yet. “Trigger now” starts one at once.</div>
            ) : (
              <table className="table compact" data-testid="recent-runs">
                <thead>
                  <tr>
                    <th>task</th>
                    <th>fire time</th>
                    <th>state</th>
                    <th className="num">attempt</th>
                    <th>took</th>
                  </tr>
                </thead>
                <tbody>
                  {s.recentRuns.map((r) => (
                    <tr key={r.id} data-task-id={r.id} data-state={r.state}>
                      <td className="mono nowrap">
                        <Link to={`/tasks/${encodeURIComponent(r.id)}`} title={r.id}>
                          {shortId(r.id)}
                        </Link>
                      </td>
                      <td className="nowrap" title={time(r.fireAt ?? r.createdAt)}>
                        {r.fireAt ? (
                          time(r.fireAt)
                        ) : (
                          <span className="muted">manual · {ago(r.createdAt, now)}</span>
                        )}
                      </td>
                      <td className="nowrap">
                        <StateBadge state={r.state} want={r.want} />
                      </td>
                      <td className="num">{r.attempt}</td>
                      <td className="nowrap">
                        {r.startedAt ? between(r.startedAt, r.finishedAt, now) : '—'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
        </div>
      </div>
    </div>
  );
}
