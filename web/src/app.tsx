import { useEffect, useState } from 'react';
import { api, ApiError, logout, useAuth } from './api';
import { startLive, stopLive, useLiveSnapshot } from './live';
import { Link, match, useLocation } from './router';
import { Login } from './pages/login';
import { Overview } from './pages/overview';
import { Tasks } from './pages/tasks';
import { TaskDetail } from './pages/task-detail';
import { DeadLetters } from './pages/dead-letters';
import { Workers } from './pages/workers';
import { Queues } from './pages/queues';
import { Workflows, WorkflowDetail } from './pages/workflows';
import { ScheduleDetailPage, Schedules } from './pages/schedules';
import { Empty } from './components/ui';

export interface Features {
  workflows: boolean;
  schedules: boolean;
}

/**
 * Which newer parts of the API this server has. The OpenAPI document lists every route the
 * server registers (a test holds the two equal), so reading it is the probe, and no 404 lands
 * in the console; if the document itself cannot be read, ask the endpoints directly.
 */
function useFeatures(token: string | null, blocked: boolean): Features | null {
  const [f, setF] = useState<Features | null>(null);
  useEffect(() => {
    if (blocked) return;
    const ac = new AbortController();
    const has = async (path: string, doc: { paths?: Record<string, unknown> } | null) => {
      if (doc?.paths) return `/api/v1${path}` in doc.paths;
      try {
        await api('GET', `${path}?limit=1`, undefined, { signal: ac.signal });
        return true;
      } catch (err) {
        // 404: not there yet; another refusal (400, 403) still means the route exists.
        return err instanceof ApiError && err.status !== 404 && err.status < 500;
      }
    };
    void (async () => {
      let doc: { paths?: Record<string, unknown> } | null = null;
      try {
        doc = await api('GET', '/openapi.json', undefined, { signal: ac.signal });
      } catch {
        doc = null;
      }
      if (ac.signal.aborted) return;
      const [workflows, schedules] = await Promise.all([
        has('/workflows', doc),
        has('/schedules', doc),
      ]);
      if (!ac.signal.aborted) setF({ workflows, schedules });
    })();
    return () => ac.abort();
  }, [token, blocked]);
  return f;
}

const NAV: { to: string; label: string; icon: string; feature?: keyof Features }[] = [
  { to: '/', label: 'Overview', icon: '◔' },
  { to: '/tasks', label: 'Tasks', icon: '☰' },
  { to: '/dead-letters', label: 'Dead letters', icon: '✕' },
  { to: '/workers', label: 'Workers', icon: '⚙' },
  { to: '/queues', label: 'Queues', icon: '≡' },
  { to: '/workflows', label: 'Workflows', icon: '⋔', feature: 'workflows' },
  { to: '/schedules', label: 'Schedules', icon: '⟳', feature: 'schedules' },
];

function Nav(props: { features: Features | null; token: string | null }) {
  const { path } = useLocation();
  const live = useLiveSnapshot();
  const dead = (live.queues ?? []).reduce((a, q) => a + (q.counts.failed ?? 0), 0);
  const active = (to: string) =>
    to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`);
  return (
    <nav className="nav">
      <div className="brand">
        <span className="logo">◷</span> Chronoq
      </div>
      <ul>
        {NAV.filter((n) => !n.feature || props.features?.[n.feature]).map((n) => (
          <li key={n.to}>
            <Link
              to={n.to}
              className={active(n.to) ? 'active' : undefined}
              data-testid={`nav-${n.label.toLowerCase().replace(/ /g, '-')}`}
            >
              <span className="icon">{n.icon}</span>
              {n.label}
              {n.to === '/dead-letters' && dead > 0 ? <span className="count">{dead}</span> : null}
            </Link>
          </li>
        ))}
      </ul>
      <div className="nav-foot">
        <div className={`live live-${live.status}`} data-testid="live-status">
          <i />{' '}
          {live.status === 'open' ? 'live' : live.status === 'idle' ? 'offline' : 'reconnecting'}
        </div>
        {props.token ? (
          <button className="btn small ghost" onClick={logout} data-testid="logout">
            Log out
          </button>
        ) : null}
      </div>
    </nav>
  );
}

function Routes(props: { features: Features | null }) {
  const { path } = useLocation();
  const features = props.features;
  if (path === '/' || path === '/index.html') return <Overview />;
  if (path === '/tasks') return <Tasks />;
  const task = match('/tasks/:id', path);
  if (task) return <TaskDetail id={task.id!} />;
  if (path === '/dead-letters') return <DeadLetters />;
  if (path === '/workers') return <Workers />;
  if (path === '/queues') return <Queues />;
  if (!features && /^\/(workflows|schedules)(\/|$)/.test(path)) {
    return <div className="loading">Loading…</div>;
  }
  if (features?.workflows) {
    if (path === '/workflows') return <Workflows />;
    const wf = match('/workflows/:id', path);
    if (wf) return <WorkflowDetail id={wf.id!} />;
  }
  if (features?.schedules) {
    if (path === '/schedules') return <Schedules />;
    const sc = match('/schedules/:id', path);
    if (sc) return <ScheduleDetailPage id={sc.id!} />;
  }
  return (
    <Empty title="Nothing here">
      No page at <code>{path}</code>. <Link to="/">Back to the overview</Link>.
    </Empty>
  );
}

export function App() {
  const { token, needed } = useAuth();
  const features = useFeatures(token, needed);
  useEffect(() => {
    if (needed) return;
    startLive();
    return () => stopLive();
  }, [needed, token]);
  if (needed) return <Login />;
  return (
    <div className="layout">
      <Nav features={features} token={token} />
      <main className="main" key={token ?? 'open'}>
        <Routes features={features} />
      </main>
    </div>
  );
}
