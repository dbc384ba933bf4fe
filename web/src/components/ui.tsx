import { useState, type ReactNode } from 'react';
import { messageOf } from '../api';
import { json } from '../format';

export function PageHeader(props: { title: string; sub?: ReactNode; children?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.sub ? <p className="sub">{props.sub}</p> : null}
      </div>
      <div className="actions">{props.children}</div>
    </header>
  );
}

export function StateBadge(props: { state: string; want?: string }) {
  const wanting =
    props.want && props.want !== 'run' && !(props.want === 'pause' && props.state === 'paused');
  const terminal = ['succeeded', 'failed', 'cancelled', 'skipped'].includes(props.state);
  return (
    <span className="state-wrap">
      <span className={`badge state-${props.state}`} data-state={props.state}>
        {props.state}
      </span>
      {wanting && !terminal ? (
        <span className="badge want" title={`wanted: ${props.want}`}>
          → {props.want}
        </span>
      ) : null}
    </span>
  );
}

export function Empty(props: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{props.title}</strong>
      {props.children ? <div>{props.children}</div> : null}
    </div>
  );
}

export function ErrorBanner(props: { error: string | null; onClose?: () => void }) {
  if (!props.error) return null;
  return (
    <div className="error-banner" role="alert">
      <span>{props.error}</span>
      {props.onClose ? (
        <button className="link" onClick={props.onClose} aria-label="dismiss">
          ×
        </button>
      ) : null}
    </div>
  );
}

export function Meter(props: { value: number; max: number; label?: string }) {
  const pct = props.max > 0 ? Math.min(100, (props.value / props.max) * 100) : 0;
  const level = pct >= 90 ? 'high' : pct >= 60 ? 'mid' : 'low';
  return (
    <div className="meter" title={props.label ?? `${props.value} / ${props.max}`}>
      <div className={`meter-fill ${level}`} style={{ width: `${pct}%` }} />
      <span className="meter-text">{props.label ?? `${props.value} / ${props.max}`}</span>
    </div>
  );
}

export function Json(props: { value: unknown; max?: number }) {
  return (
    <pre className="json" style={props.max ? { maxHeight: props.max } : undefined}>
      {json(props.value)}
    </pre>
  );
}

export function Card(props: { title?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`card ${props.className ?? ''}`}>
      {props.title ? <h2>{props.title}</h2> : null}
      {props.children}
    </section>
  );
}

export function Stat(props: { label: string; value: ReactNode; tone?: string; testid?: string }) {
  return (
    <div className={`stat ${props.tone ?? ''}`} data-testid={props.testid}>
      <div className="stat-value">{props.value}</div>
      <div className="stat-label">{props.label}</div>
    </div>
  );
}

export function Labels(props: { labels: Record<string, string> }) {
  const entries = Object.entries(props.labels);
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <span className="chips">
      {entries.map(([k, v]) => (
        <span className="chip" key={k}>
          {k}={v}
        </span>
      ))}
    </span>
  );
}

/**
 * A button that runs an async action, shows that it is busy, and shows the API's refusal
 * (e.g. the 409 message) next to it.
 */
export function ActionButton(props: {
  label: string;
  run: () => Promise<unknown>;
  disabled?: boolean;
  tone?: 'danger' | 'primary' | 'default';
  title?: string;
  onError?: (message: string) => void;
  onDone?: () => void;
  testid?: string;
}) {
  const [busy, setBusy] = useState(false);
  const click = async () => {
    setBusy(true);
    try {
      await props.run();
      props.onDone?.();
    } catch (err) {
      props.onError?.(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      className={`btn ${props.tone ?? 'default'}`}
      disabled={props.disabled || busy}
      title={props.title}
      onClick={() => void click()}
      data-testid={props.testid}
    >
      {busy ? `${props.label}…` : props.label}
    </button>
  );
}

/** A detail page before its record is loaded: "Loading…", or "not found" with a way back. */
export function DetailPending(props: {
  testid: string;
  kind: string;
  id: string;
  error: string | null;
  back: ReactNode;
}) {
  return (
    <div className="page" data-testid={props.testid}>
      <PageHeader title={props.kind} sub={<span className="mono">{props.id}</span>} />
      {props.error ? (
        <Empty title={`${props.kind} not found`}>
          {props.error}. {props.back}
        </Empty>
      ) : (
        <div className="loading">Loading…</div>
      )}
    </div>
  );
}
