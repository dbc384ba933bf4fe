import { useState } from 'react';
import { api, qs } from '../api';
import { SplitBar, STATE_COLORS } from '../components/charts';
import { DagGraph } from '../components/dag';
import { ActionButton, Card, Empty, ErrorBanner, PageHeader, StateBadge } from '../components/ui';
import { ago, between, shortId, time } from '../format';
import { useDebounced, useNow, useResource } from '../hooks';
import { useLive } from '../live';
import { Link } from '../router';
import type { TaskPage, Workflow } from '../types';

const ACTIVE = new Set(['running', 'compensating']);
const STEP_STATES = [
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
  'running',
  'assigned',
  'paused',
  'ready',
  'pending',
  'blocked',
] as const;
const ended = (w: Workflow) =>
  ['succeeded', 'failed', 'cancelled', 'skipped'].reduce(
    (a, st) => a + ((w.counts as Record<string, number>)[st] ?? 0),
    0,
  );

export function Workflows() {
  const now = useNow(5000);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const list = useResource(
    `workflows:${cursor ?? ''}`,
    (signal) =>
      api<{ workflows: Workflow[]; nextCursor: string | null }>(
        'GET',
        `/workflows${qs({ limit: 50, cursor })}`,
        undefined,
        { signal },
      ),
    5000,
  );
  const reload = useDebounced(list.reload, 500);
  useLive('workflows', reload);
  const [error, setError] = useState<string | null>(null);
  const wfs = list.data?.workflows ?? [];
  return (
    <div className="page" data-testid="page-workflows">
      <PageHeader title="Workflows" sub="DAGs of tasks, newest first" />
      <ErrorBanner error={error ?? list.error} onClose={() => setError(null)} />
      {list.data && wfs.length === 0 && cursors.length === 1 ? (
        <Empty title="No workflows yet">
          Run one with <code>chronoq workflow run FILE</code>.
        </Empty>
      ) : (
        <>
          <table className="table">
            <thead>
              <tr>
                <th>id</th>
                <th>name</th>
                <th>state</th>
                <th className="bar-col">steps</th>
                <th>on failure</th>
                <th>created</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {wfs.map((w) => (
                <tr key={w.id}>
                  <td className="mono">
                    <Link to={`/workflows/${encodeURIComponent(w.id)}`} title={w.id}>
                      {shortId(w.id)}
                    </Link>
                  </td>
                  <td className="strong">
                    <Link to={`/workflows/${encodeURIComponent(w.id)}`}>{w.name}</Link>
                  </td>
                  <td>
                    <StateBadge state={w.state} />
                  </td>
                  <td className="bar-col">
                    <div className="bar-with-count">
                      <SplitBar
                        scale={w.steps.length}
                        parts={STEP_STATES.map((st) => ({
                          name: st,
                          value: (w.counts as Record<string, number>)[st] ?? 0,
                          color: STATE_COLORS[st]!,
                        }))}
                      />
                      <span className="muted small nowrap">
                        {ended(w)}/{w.steps.length} ended
                      </span>
                    </div>
                  </td>
                  <td>{w.onFailure}</td>
                  <td title={time(w.createdAt)}>{ago(w.createdAt, now)}</td>
                  <td className="right">
                    <ActionButton
                      label="Cancel"
                      tone="danger"
                      disabled={!ACTIVE.has(w.state)}
                      run={() => api('POST', `/workflows/${encodeURIComponent(w.id)}/cancel`)}
                      onDone={list.reload}
                      onError={setError}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="toolbar">
            <span className="spacer" />
            <button
              className="btn"
              disabled={cursors.length <= 1}
              onClick={() => setCursors((c) => c.slice(0, -1))}
            >
              ← Newer
            </button>
            <button
              className="btn"
              disabled={!list.data?.nextCursor}
              onClick={() => {
                const n = list.data?.nextCursor;
                if (n) setCursors((c) => [...c, n]);
              }}
            >
              Older →
            </button>
          </div>
        </>
      )}
    </div>
  );
}

export function WorkflowDetail(props: { id: string }) {
  const { id } = props;
  const now = useNow(1000);
  const wf = useResource(`workflow:${id}`, (signal) =>
    api<Workflow>('GET', `/workflows/${encodeURIComponent(id)}`, undefined, { signal }),
  );
  const tasks = useResource(`workflow-tasks:${id}`, (signal) =>
    api<TaskPage>('GET', `/tasks${qs({ workflowId: id, limit: 200 })}`, undefined, { signal }),
  );
  const reload = useDebounced(() => {
    wf.reload();
    tasks.reload();
  }, 300);
  const [error, setError] = useState<string | null>(null);
  const w = wf.data;
  const byId = new Map((tasks.data?.tasks ?? []).map((t) => [t.id, t]));
  const stepTaskIds = new Set(
    (w?.steps ?? []).flatMap((s) => [s.taskId, s.compensation?.taskId ?? null]),
  );
  useLive('workflows', (d) => {
    if (d.ids.includes(id)) reload();
  });
  useLive('tasks', (changes) => {
    if (changes.some((c) => stepTaskIds.has(c.id))) reload();
  });
  return (
    <div className="page" data-testid="page-workflow">
      <PageHeader
        title={w?.name ?? 'Workflow'}
        sub={
          <>
            <Link to="/workflows">Workflows</Link> · <span className="mono">{id}</span>
            {w ? <> · created {ago(w.createdAt, now)}</> : null}
          </>
        }
      >
        {w ? (
          <ActionButton
            label="Cancel"
            tone="danger"
            disabled={!ACTIVE.has(w.state)}
            testid="workflow-cancel"
            run={() => api('POST', `/workflows/${encodeURIComponent(id)}/cancel`)}
            onDone={reload}
            onError={setError}
          />
        ) : null}
      </PageHeader>
      <ErrorBanner error={error ?? wf.error} onClose={() => setError(null)} />
      {w ? (
        <>
          <Card
            title={
              <span>
                Graph · <StateBadge state={w.state} /> · on failure {w.onFailure}
              </span>
            }
          >
            {w.error ? <div className="muted">{w.error.message}</div> : null}
            <DagGraph
              nodes={w.steps.map((s) => ({
                id: s.id,
                dependsOn: s.dependsOn,
                state: s.state,
                taskId: s.taskId,
                note: s.compensation ? `↶ ${s.compensation.state}` : null,
              }))}
            />
          </Card>
          <Card title="Steps">
            <table className="table compact" data-testid="workflow-steps">
              <thead>
                <tr>
                  <th>step</th>
                  <th>after</th>
                  <th>when</th>
                  <th>state</th>
                  <th>task</th>
                  <th className="num">attempt</th>
                  <th>took</th>
                  <th>compensation</th>
                </tr>
              </thead>
              <tbody>
                {w.steps.map((s) => {
                  const t = s.taskId ? byId.get(s.taskId) : undefined;
                  return (
                    <tr key={s.id} data-testid="workflow-step" data-step={s.id}>
                      <td className="mono strong">{s.id}</td>
                      <td className="mono">{s.dependsOn.join(', ') || '—'}</td>
                      <td>{s.when}</td>
                      <td>{s.state ? <StateBadge state={s.state} want={t?.want} /> : '—'}</td>
                      <td className="nowrap">
                        {s.taskId ? (
                          <Link to={`/tasks/${encodeURIComponent(s.taskId)}`} title={s.taskId}>
                            <span className="mono">{shortId(s.taskId)}</span>
                          </Link>
                        ) : (
                          '—'
                        )}
                        {t ? (
                          <span className="muted">
                            {' '}
                            {t.type} · {t.queue}
                          </span>
                        ) : null}
                      </td>
                      <td className="num">{t ? `${t.attempt}/${t.maxAttempts}` : '—'}</td>
                      <td className="nowrap">
                        {t?.startedAt ? between(t.startedAt, t.finishedAt, now) : '—'}
                      </td>
                      <td>
                        {s.compensation ? (
                          <Link to={`/tasks/${encodeURIComponent(s.compensation.taskId)}`}>
                            <StateBadge state={s.compensation.state} />
                          </Link>
                        ) : s.hasCompensation ? (
                          <span className="muted">defined</span>
                        ) : (
                          '—'
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </Card>
        </>
      ) : null}
    </div>
  );
}
