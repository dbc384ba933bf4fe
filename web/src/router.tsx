import { useSyncExternalStore, type MouseEvent, type ReactNode } from 'react';

/** A tiny history router: the dashboard has a handful of routes and needs no more. */
const listeners = new Set<() => void>();
let current = snapshot();

function snapshot(): { path: string; search: string } {
  return { path: window.location.pathname, search: window.location.search };
}

function changed(): void {
  const next = snapshot();
  if (next.path === current.path && next.search === current.search) return;
  current = next;
  for (const fn of listeners) fn();
}

window.addEventListener('popstate', changed);

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  changed();
}

export function useLocation(): { path: string; search: string } {
  return useSyncExternalStore(
    (fn) => (listeners.add(fn), () => listeners.delete(fn)),
    () => current,
  );
}

export function useQuery(): URLSearchParams {
  return new URLSearchParams(useLocation().search);
}

/** Matches `/tasks/:id` style patterns; returns the params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.replace(/\/+$/, '').split('/');
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(s[i]!);
    else if (seg !== s[i]) return null;
  }
  return params;
}

export function Link(props: {
  to: string;
  className?: string;
  children: ReactNode;
  title?: string;
  'data-testid'?: string;
}) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.to);
  };
  return (
    <a
      href={props.to}
      className={props.className}
      onClick={onClick}
      title={props.title}
      data-testid={props['data-testid']}
    >
      {props.children}
    </a>
  );
}
