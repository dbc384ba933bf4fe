/** Short, human times and numbers for tables. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return '—';
  if (ms < -1500) return `in ${duration(-ms)}`;
  if (ms < 1000) return 'just now';
  return `${duration(ms)} ago`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)}s`;
  const both = (a: number, ua: string, b: number, ub: string) =>
    b ? `${a}${ua} ${b}${ub}` : `${a}${ua}`;
  const m = Math.floor(s / 60);
  if (m < 60) return both(m, 'm', Math.round(s % 60), 's');
  const h = Math.floor(m / 60);
  if (h < 48) return both(h, 'h', m % 60, 'm');
  return both(Math.floor(h / 24), 'd', h % 24, 'h');
}

/** A time in a given IANA zone, e.g. "Mon 21 Nov, 02:30 Europe/Berlin". */
export function zoned(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  try {
    return `${d.toLocaleString(undefined, {
      timeZone,
      weekday: 'short',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    })} ${timeZone}`;
  } catch {
    return time(iso);
  }
}

/** Progress as a percentage: the built-in handlers report a fraction (0 to 1), others may
 * report a percentage; a value above 1 is read as one. */
export function percent(progress: number | null | undefined): number | null {
  if (progress === null || progress === undefined || !Number.isFinite(progress)) return null;
  const p = progress <= 1 ? progress * 100 : progress;
  return Math.max(0, Math.min(100, p));
}

/** `0.4%`, `12%`, or null without progress. */
export function percentText(progress: number | null | undefined): string | null {
  const p = percent(progress);
  if (p === null) return null;
  if (p > 0 && p < 0.1) return '<0.1%';
  return `${p > 0 && p < 10 ? p.toFixed(1) : Math.round(p)}%`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function between(from: string | null, to: string | null, now = Date.now()): string {
  if (!from) return '—';
  return duration((to ? Date.parse(to) : now) - Date.parse(from));
}

export function time(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
}

export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
}

export function shortId(id: string): string {
  return id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-6)}` : id;
}

export function json(value: unknown): string {
  if (value === undefined) return '—';
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

const PER: Record<number, string> = { 1000: 's', 60_000: 'min', 3_600_000: 'h', 86_400_000: 'day' };

/** A rate limit: `10/s`, `100/min`, or `5 per 1.5s`. */
export function rate(r: { count: number; intervalMs: number } | null): string {
  if (!r) return 'unlimited';
  const unit = PER[r.intervalMs];
  return unit ? `${r.count}/${unit}` : `${r.count} per ${duration(r.intervalMs)}`;
}

/** A per-minute figure: `12/min`, `0.5/min`, `—` for nothing. */
export function perMinute(n: number | undefined): string {
  if (!n) return '—';
  return `${n >= 10 ? Math.round(n) : n >= 1 ? n.toFixed(1) : n.toFixed(2)}/min`;
}
