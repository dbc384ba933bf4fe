const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/**
 * Parse a duration such as `250ms`, `10s`, `1h30m` or a bare number of milliseconds.
 * Returns null when the text is not a duration.
 */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (!/^(\d+(?:\.\d+)?(ms|s|m|h|d))+$/.test(t)) return null;
  let total = 0;
  for (const m of t.matchAll(PART)) total += Number(m[1]) * UNITS[m[2]!]!;
  return Math.round(total);
}

/** Format milliseconds as a short duration (`1m30s`, `250ms`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}
