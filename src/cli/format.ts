/** Text styling that turns itself off when output is not a terminal. */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

// eslint-disable-next-line no-control-regex -- matching escape sequences is the point
const ANSI = /\u001b\[[0-9;]*m/g;

function sgr(open: number, close: number, on: boolean): (text: string) => string {
  return on ? (text) => `\u001b[${open}m${text}\u001b[${close}m` : (text) => text;
}

/** ANSI colours when `enabled`, plain text otherwise. */
export function createStyle(enabled: boolean): Style {
  return {
    enabled,
    bold: sgr(1, 22, enabled),
    dim: sgr(2, 22, enabled),
    red: sgr(31, 39, enabled),
    green: sgr(32, 39, enabled),
    yellow: sgr(33, 39, enabled),
    cyan: sgr(36, 39, enabled),
  };
}

/** Colour only on a terminal, and never when `NO_COLOR` is set (https://no-color.org). */
export function wantsColour(isTTY: boolean | undefined, env: Record<string, string | undefined>) {
  return isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** Text without its colour escape sequences. */
export function stripStyle(text: string): string {
  return text.replace(ANSI, '');
}

/** Width of text as shown: escape sequences take no room. */
export function visibleWidth(text: string): number {
  return [...stripStyle(text)].length;
}

/**
 * Rows under a header, columns aligned with two spaces between them. The last column is not
 * padded, so no line carries trailing spaces.
 */
export function table(headers: string[], rows: string[][], style?: Style): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, c) => Math.max(...all.map((r) => visibleWidth(r[c] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) =>
        c === cells.length - 1 ? cell : cell + ' '.repeat(widths[c]! - visibleWidth(cell)),
      )
      .join('  ')
      .trimEnd();
  const head = line(headers);
  return [style ? style.bold(head) : head, ...rows.map(line)].join('\n');
}

/** `key: value` lines with the keys aligned. */
export function keyValues(pairs: [string, string][], style?: Style): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length + 1));
  return pairs
    .map(([k, v]) => {
      const key = `${k}:`.padEnd(width);
      return `${style ? style.dim(key) : key} ${v}`;
    })
    .join('\n');
}

const STEPS: [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1000, 's'],
];

/** `12s ago`, `3h ago`, `in 5m`, `just now`; `-` for no time. */
export function relativeTime(iso: string | null | undefined, now: number): string {
  if (!iso) return '-';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const diff = now - at;
  const abs = Math.abs(diff);
  if (abs < 1000) return 'just now';
  const [size, unit] = STEPS.find(([s]) => abs >= s)!;
  const text = `${Math.floor(abs / size)}${unit}`;
  return diff > 0 ? `${text} ago` : `in ${text}`;
}

/** Cut `text` to `max` characters, marking the cut with `…`. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** `a=1,b=2`, or `-` when empty. */
export function pairs(map: Record<string, string> | null | undefined): string {
  const entries = Object.entries(map ?? {});
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}
