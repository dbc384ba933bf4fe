import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, qs } from '../api';
import { Empty, ErrorBanner, PageHeader } from '../components/ui';
import { shortId } from '../format';
import { useDebounced, useNow } from '../hooks';
import { useLive, useLiveSnapshot } from '../live';
import { navigate, useLocation } from '../router';
import { TASK_STATES, type Task, type TaskChange, type TaskPage } from '../types';
import { TaskTable } from './task-table';

const LIMIT = 50;

interface Filter {
  state: string;
  queue: string;
  type: string;
  label: string;
}

function readFilter(search: string): Filter {
  const p = new URLSearchParams(search);
  return {
    state: p.get('state') ?? '',
    queue: p.get('queue') ?? '',
    type: p.get('type') ?? '',
    label: p.get('label') ?? '',
  };
}

function matches(t: Task, f: Filter): boolean {
  if (f.state && !f.state.split(',').includes(t.state)) return false;
  if (f.queue && t.queue !== f.queue) return false;
  if (f.type && t.type !== f.type) return false;
  if (f.label) {
    const i = f.label.indexOf('=');
    const k = f.label.slice(0, i);
    if (t.labels[k] !== f.label.slice(i + 1)) return false;
  }
  return true;
}

/** What a change alone can tell: could this task belong to the filtered list? */
function mayMatch(c: TaskChange, f: Filter): boolean {
  if (f.state && !f.state.split(',').includes(c.state)) return false;
  return !f.queue || c.queue === f.queue;
}

interface BulkResult {
  action: string;
  ok: number;
  errors: { id: string; message: string }[];
}

export function Tasks() {
  const { search } = useLocation();
  const filter = readFilter(search);
  const filterKey = JSON.stringify(filter);
  const now = useNow(1000);
  const live = useLiveSnapshot();

  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulk, setBulk] = useState<BulkResult | null>(null);
  const [bulkBusy, setBulkBusy] = useState(false);
  const [reloadTick, setReloadTick] = useState(0);
  const [draft, setDraft] = useState<Filter>(filter);
  const [jump, setJump] = useState('');

  // New filter: back to page one, drop the selection, show the filter in the form.
  const [shownKey, setShownKey] = useState(filterKey);
  if (shownKey !== filterKey) {
    setShownKey(filterKey);
    setCursors([null]);
    setSelected(new Set());
    setDraft(filter);
  }

  // Snapshots (list pages, single gets, action answers) may be older than the last event
  // seen for a task: the event wins, so a late answer never moves a row backwards.
  const recent = useRef(new Map<string, { at: number; c: TaskChange }>());
  const reconcile = (t: Task, since: number): Task => {
    const r = recent.current.get(t.id);
    if (!r || r.at < since) return t;
    return { ...t, state: r.c.state, want: r.c.want, workerId: r.c.workerId, attempt: r.c.attempt };
  };

  useEffect(() => {
    const ac = new AbortController();
    const f: Filter = JSON.parse(filterKey) as Filter;
    const since = performance.now();
    api<TaskPage>('GET', `/tasks${qs({ ...f, limit: LIMIT, cursor })}`, undefined, {
      signal: ac.signal,
    }).then(
      (page) => {
        setTasks(page.tasks.map((t) => reconcile(t, since)));
        setNext(page.nextCursor);
        setError(null);
      },
      (err: unknown) => {
        if (!ac.signal.aborted) setError(messageOf(err));
      },
    );
    return () => ac.abort();
  }, [filterKey, cursor, reloadTick]);

  // Live: patch known rows in place; fetch tasks we have not seen when they may match.
  const unseen = useRef(new Set<string>());
  const fetchUnseen = useDebounced(() => {
    const ids = [...unseen.current];
    unseen.current.clear();
    if (ids.length === 0) return;
    if (ids.length > 20) {
      setReloadTick((n) => n + 1); // a burst: one list call is cheaper than many gets
      return;
    }
    const since = performance.now();
    void Promise.all(
      ids.map((id) => api<Task>('GET', `/tasks/${encodeURIComponent(id)}`).catch(() => null)),
    ).then((got) => {
      const fresh = got
        .filter((t): t is Task => t !== null && matches(t, filter))
        .map((t) => reconcile(t, since));
      if (fresh.length === 0) return;
      setTasks((prev) => {
        const have = new Set((prev ?? []).map((t) => t.id));
        const add = fresh
          .filter((t) => !have.has(t.id))
          .map(({ attempts: _a, events: _e, ...t }) => t as Task);
        const merged = [...add, ...(prev ?? [])];
        merged.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
        return merged;
      });
    });
  }, 250);

  useLive('tasks', (changes) => {
    const at = performance.now();
    if (recent.current.size > 5000) recent.current.clear();
    for (const c of changes) recent.current.set(c.id, { at, c });
    if (!tasks) return;
    const byId = new Map(changes.map((c) => [c.id, c]));
    const known = new Set(tasks.map((t) => t.id));
    let patched = false;
    for (const id of byId.keys()) if (known.has(id)) patched = true;
    if (patched) {
      setTasks((prev) =>
        (prev ?? []).map((t) => {
          const c = byId.get(t.id);
          return c
            ? { ...t, state: c.state, want: c.want, workerId: c.workerId, attempt: c.attempt }
            : t;
        }),
      );
    }
    if (cursor !== null) return; // new tasks show on the first page only
    for (const c of changes) {
      if (!known.has(c.id) && mayMatch(c, filter)) unseen.current.add(c.id);
    }
    if (unseen.current.size > 0) fetchUnseen();
  });

  const apply = (f: Filter) => navigate(`/tasks${qs({ ...f })}`);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (draft.label && !/^[^=]+=/.test(draft.label)) {
      setError('label filter: write key=value');
      return;
    }
    apply(draft);
  };
  const goto = (e: FormEvent) => {
    e.preventDefault();
    const id = jump.trim();
    if (id) navigate(`/tasks/${encodeURIComponent(id)}`);
  };

  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const toggleAll = () =>
    setSelected((s) =>
      tasks && tasks.every((t) => s.has(t.id))
        ? new Set()
        : new Set((tasks ?? []).map((t) => t.id)),
    );

  const runBulk = async (action: 'retry' | 'cancel') => {
    const ids = [...selected];
    setBulkBusy(true);
    const res: BulkResult = { action, ok: 0, errors: [] };
    await Promise.all(
      ids.map(async (id) => {
        try {
          const since = performance.now();
          const answer = await api<Task>('POST', `/tasks/${encodeURIComponent(id)}/${action}`);
          const t = reconcile(answer, since);
          res.ok += 1;
          setTasks((prev) => (prev ?? []).map((x) => (x.id === t.id ? t : x)));
        } catch (err) {
          res.errors.push({
            id,
            message: err instanceof ApiError ? `${err.status} ${err.message}` : messageOf(err),
          });
        }
      }),
    );
    setBulk(res);
    setBulkBusy(false);
    setSelected(new Set(res.errors.map((e) => e.id)));
  };

  const filtered = Object.values(filter).some((v) => v !== '');
  const queueNames = (live.queues ?? []).map((q) => q.name);

  return (
    <div className="page" data-testid="page-tasks">
      <PageHeader title="Tasks" sub="Newest first · rows update live">
        <form onSubmit={goto} className="inline">
          <input
            className="search"
            placeholder="Jump to task id…"
            value={jump}
            onChange={(e) => setJump(e.target.value)}
            aria-label="task id"
            data-testid="jump-id"
          />
          <button className="btn" type="submit" disabled={!jump.trim()}>
            Open
          </button>
        </form>
      </PageHeader>
      <form className="filters" onSubmit={submit} data-testid="filters">
        <label>
          state
          <select
            value={draft.state}
            onChange={(e) => apply({ ...draft, state: e.target.value })}
            data-testid="filter-state"
          >
            <option value="">any</option>
            {TASK_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          queue
          <input
            list="queue-names"
            value={draft.queue}
            onChange={(e) => setDraft({ ...draft, queue: e.target.value })}
            placeholder="any"
          />
          <datalist id="queue-names">
            {queueNames.map((q) => (
              <option key={q} value={q} />
            ))}
          </datalist>
        </label>
        <label>
          type
          <input
            value={draft.type}
            onChange={(e) => setDraft({ ...draft, type: e.target.value })}
            placeholder="e.g. email.send"
          />
        </label>
        <label>
          label
          <input
            value={draft.label}
            onChange={(e) => setDraft({ ...draft, label: e.target.value })}
            placeholder="key=value"
          />
        </label>
        <button className="btn primary" type="submit">
          Filter
        </button>
        {filtered ? (
          <button
            className="btn ghost"
            type="button"
            onClick={() => apply({ state: '', queue: '', type: '', label: '' })}
          >
            Clear
          </button>
        ) : null}
      </form>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <div className="toolbar">
        <span className="muted">
          {selected.size > 0 ? `${selected.size} selected` : 'Select rows for bulk actions'}
        </span>
        <button
          className="btn"
          disabled={selected.size === 0 || bulkBusy}
          onClick={() => void runBulk('retry')}
          data-testid="bulk-retry"
        >
          Retry selected
        </button>
        <button
          className="btn danger"
          disabled={selected.size === 0 || bulkBusy}
          onClick={() => void runBulk('cancel')}
          data-testid="bulk-cancel"
        >
          Cancel selected
        </button>
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
          disabled={!next}
          onClick={() => next && setCursors((c) => [...c, next])}
          data-testid="next-page"
        >
          Older →
        </button>
      </div>
      {bulk ? (
        <div className={`notice ${bulk.errors.length ? 'warn' : 'ok'}`} data-testid="bulk-result">
          <div>
            {bulk.action === 'retry' ? 'Retried' : 'Cancelled'} {bulk.ok}
            {bulk.errors.length ? `; ${bulk.errors.length} refused:` : '.'}
            <button className="link" onClick={() => setBulk(null)} aria-label="dismiss">
              ×
            </button>
          </div>
          {bulk.errors.length ? (
            <ul>
              {bulk.errors.map((e) => (
                <li key={e.id}>
                  <span className="mono">{shortId(e.id)}</span>: {e.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {tasks === null ? (
        error ? null : (
          <div className="loading">Loading…</div>
        )
      ) : tasks.length === 0 ? (
        <Empty title={filtered ? 'No task matches these filters' : 'No tasks yet'}>
          {filtered ? (
            'New tasks that match will appear here as they are submitted.'
          ) : (
            <>
              Submit one with <code>chronoq submit chronoq.echo --payload {'{"hi":1}'}</code>; it
              appears here live.
            </>
          )}
        </Empty>
      ) : (
        <TaskTable
          tasks={tasks}
          now={now}
          selected={selected}
          onToggle={toggle}
          onToggleAll={toggleAll}
        />
      )}
    </div>
  );
}
