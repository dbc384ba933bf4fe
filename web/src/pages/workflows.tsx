import { useState } from 'react';
import { api, qs } from '../api';
import { DagGraph } from '../components/dag';
import { ActionButton, Card, Empty, ErrorBanner, PageHeader, StateBadge } from '../components/ui';
import { ago, shortId, time } from '../format';
import { useDebounced, useNow, useResource } from '../hooks';
import { useLive } from '../live';
import { Link } from '../router';
import type { TaskPage, Workflow } from '../types';
import { TaskTable } from './task-table';

const ACTIVE = new Set(['running', 'compensating']);

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
                <th className="num">done</th>
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
                  <td>{w.name}</td>
                  <td>
                    <StateBadge state={w.state} />
                  </td>
                  <td className="num">
                    {w.counts.succeeded ?? 0}/{w.steps.length}
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
  const now = useNow(5000);
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
      <PageHeader title={w?.name ?? 'Workflow'} sub={<span className="mono">{id}</span>}>
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
                note: s.compensation ? `undo ${s.compensation.state}` : null,
              }))}
            />
          </Card>
          <div className="grid-2">
            <Card title="Steps">
              <table className="table compact">
                <thead>
                  <tr>
                    <th>step</th>
                    <th>after</th>
                    <th>when</th>
                    <th>state</th>
                    <th>compensation</th>
                    <th>task</th>
                  </tr>
                </thead>
                <tbody>
                  {w.steps.map((s) => (
                    <tr key={s.id} data-testid="workflow-step">
                      <td className="mono">{s.id}</td>
                      <td className="mono">{s.dependsOn.join(', ') || '—'}</td>
                      <td>{s.when}</td>
                      <td>{s.state ? <StateBadge state={s.state} /> : '—'}</td>
                      <td>
                        {s.compensation ? (
                          <Link to={`/tasks/${encodeURIComponent(s.compensation.taskId)}`}>
                            <StateBadge state={s.compensation.state} />
                          </Link>
                        ) : s.hasCompensation ? (
                          'defined'
                        ) : (
                          '—'
                        )}
                      </td>
                      <td className="mono">
                        {s.taskId ? (
                          <Link to={`/tasks/${encodeURIComponent(s.taskId)}`}>
                            {shortId(s.taskId)}
                          </Link>
                        ) : (
                          '—'
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
            <Card title="Tasks">
              {tasks.data && tasks.data.tasks.length > 0 ? (
                <TaskTable tasks={tasks.data.tasks} now={now} />
              ) : (
                <div className="muted">No task yet.</div>
              )}
            </Card>
          </div>
        </>
      ) : null}
    </div>
  );
}
