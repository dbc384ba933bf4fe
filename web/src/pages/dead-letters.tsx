import { useState } from 'react';
import { api, ApiError, messageOf, qs } from '../api';
import { ActionButton, Empty, ErrorBanner, PageHeader } from '../components/ui';
import { shortId } from '../format';
import { useDebounced, useNow, useResource } from '../hooks';
import { refreshQueues, useLive } from '../live';
import { Link, navigate, useLocation } from '../router';
import type { Task, TaskPage } from '../types';
import { TaskTable } from './task-table';

const LIMIT = 50;

interface RetryAll {
  total: number;
  done: number;
  errors: { id: string; message: string }[];
  running: boolean;
}

/** The dead-letter set: tasks whose attempts are spent (`state=failed`). */
export function DeadLetters() {
  const { search } = useLocation();
  const queue = new URLSearchParams(search).get('queue') ?? '';
  const now = useNow(5000);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const page = useResource(`dead:${queue}:${cursor ?? ''}`, (signal) =>
    api<TaskPage>(
      'GET',
      `/tasks${qs({ state: 'failed', queue, limit: LIMIT, cursor })}`,
      undefined,
      { signal },
    ),
  );
  const [error, setError] = useState<string | null>(null);
  const [all, setAll] = useState<RetryAll | null>(null);
  const reload = useDebounced(page.reload, 300);
  useLive('tasks', (changes) => {
    const shown = new Set((page.data?.tasks ?? []).map((t) => t.id));
    if (
      changes.some(
        (c) => (c.state === 'failed' && (!queue || c.queue === queue)) || shown.has(c.id),
      )
    )
      reload();
  });

  const retryOne = (t: Task) => async () => {
    try {
      await api<Task>('POST', `/tasks/${encodeURIComponent(t.id)}/retry`);
    } catch (err) {
      throw new Error(
        `${shortId(t.id)}: ${err instanceof ApiError ? `${err.status} ` : ''}${messageOf(err)}`,
      );
    }
    page.set((p) => (p ? { ...p, tasks: p.tasks.filter((x) => x.id !== t.id) } : p));
    refreshQueues();
  };

  const retryAll = async () => {
    const state: RetryAll = { total: 0, done: 0, errors: [], running: true };
    setAll({ ...state });
    try {
      // Gather every page first: retried tasks leave the set, which would shift the cursor.
      const ids: string[] = [];
      let c: string | null = null;
      do {
        const p: TaskPage = await api<TaskPage>(
          'GET',
          `/tasks${qs({ state: 'failed', queue, limit: 500, cursor: c })}`,
        );
        ids.push(...p.tasks.map((t) => t.id));
        c = p.nextCursor;
      } while (c);
      state.total = ids.length;
      setAll({ ...state });
      let i = 0;
      const worker = async () => {
        while (i < ids.length) {
          const id = ids[i++]!;
          try {
            await api('POST', `/tasks/${encodeURIComponent(id)}/retry`);
          } catch (err) {
            state.errors.push({ id, message: messageOf(err) });
          }
          state.done += 1;
          setAll({ ...state, errors: [...state.errors] });
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
    } catch (err) {
      setError(messageOf(err));
    }
    state.running = false;
    setAll({ ...state, errors: [...state.errors] });
    setCursors([null]);
    page.reload();
    refreshQueues();
  };

  const tasks = page.data?.tasks ?? [];
  return (
    <div className="page" data-testid="page-dead-letters">
      <PageHeader
        title="Dead letters"
        sub={
          <>
            Failed tasks whose attempts are spent
            {queue ? (
              <>
                {' '}
                · queue <b>{queue}</b> <Link to="/dead-letters">(all queues)</Link>
              </>
            ) : null}
          </>
        }
      >
        <button
          className="btn primary"
          disabled={tasks.length === 0 || all?.running === true}
          onClick={() => {
            if (window.confirm(`Retry every failed task${queue ? ` of queue ${queue}` : ''}?`))
              void retryAll();
          }}
          data-testid="retry-all"
        >
          Retry all
        </button>
      </PageHeader>
      <ErrorBanner error={error ?? page.error} onClose={() => setError(null)} />
      {all ? (
        <div
          className={`notice ${all.errors.length ? 'warn' : 'ok'}`}
          data-testid="retry-all-result"
        >
          <div>
            {all.running
              ? `Retrying… ${all.done} of ${all.total || '?'}`
              : `Retried ${all.done - all.errors.length} of ${all.total}.`}
            {all.errors.length ? ` ${all.errors.length} refused.` : ''}
            {!all.running ? (
              <button className="link" onClick={() => setAll(null)} aria-label="dismiss">
                ×
              </button>
            ) : null}
          </div>
          {all.errors.length ? (
            <ul>
              {all.errors.slice(0, 20).map((e) => (
                <li key={e.id}>
                  <span className="mono">{shortId(e.id)}</span>: {e.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {page.data && tasks.length === 0 && cursors.length === 1 ? (
        <Empty title="No dead letters">
          Tasks land here when they fail their last attempt. <Link to="/tasks">See all tasks</Link>
        </Empty>
      ) : page.data ? (
        <>
          <TaskTable
            tasks={tasks}
            now={now}
            showError
            actions={(t) => (
              <>
                <button
                  className="btn"
                  onClick={() => navigate(`/tasks/${encodeURIComponent(t.id)}`)}
                >
                  Inspect
                </button>{' '}
                <ActionButton
                  label="Retry"
                  run={retryOne(t)}
                  onError={setError}
                  testid="retry-one"
                  tone="primary"
                />
              </>
            )}
          />
          <div className="toolbar">
            <span className="spacer" />
            <button
              className="btn"
              disabled={cursors.length <= 1}
              onClick={() => setCursors((c) => c.slice(0, -1))}
            >
              ← Newer
            </button>
            <span className="muted small">page {cursors.length}</span>
            <button
              className="btn"
              disabled={!page.data.nextCursor}
              onClick={() => {
                const n = page.data?.nextCursor;
                if (n) setCursors((c) => [...c, n]);
              }}
            >
              Older →
            </button>
          </div>
        </>
      ) : (
        <div className="loading">Loading…</div>
      )}
    </div>
  );
}
