import { parseDuration, parseRate } from '../client/index.js';
import { UsageError } from './exit.js';

/** An integer flag value (`--priority -5`, `--limit 20`). */
export function parseIntFlag(flag: string, text: string): number {
  const t = text.trim();
  if (!/^[-+]?\d+$/.test(t)) throw new UsageError(`${flag}: "${text}" is not an integer`, flag);
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${flag}: ${text} is too large`, flag);
  return n;
}

/** A duration flag value in milliseconds (`10s`, `1m30s`, `250ms`, or bare milliseconds). */
export function parseDurationFlag(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === null) {
    throw new UsageError(`${flag}: "${text}" is not a duration (e.g. 250ms, 10s, 1m30s, 2h)`, flag);
  }
  return ms;
}

/**
 * A point in time as ISO 8601 with an offset. A time without an offset (`2030-01-01T09:00`)
 * is read in the local zone.
 */
export function parseTimeFlag(flag: string, text: string): string {
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `${flag}: "${text}" is not an ISO 8601 time (e.g. 2030-01-01T09:00:00Z)`,
      flag,
    );
  }
  return new Date(ms).toISOString();
}

/** `N/INTERVAL` (`100/1s`, `5/m`). */
export function parseRateFlag(flag: string, text: string): { count: number; intervalMs: number } {
  const rate = parseRate(text);
  if (!rate) throw new UsageError(`${flag}: "${text}" is not a rate (e.g. 100/1s, 5/m)`, flag);
  return rate;
}

/** `key=value` pairs of a repeatable flag (`--label team=a --label tier=gold`). */
export function parseLabelFlags(flag: string, pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag}: "${pair}" is not key=value`, flag);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** Commander's collector for repeatable flags. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A comma-separated list (`a,b,c`), empty items dropped. */
export function parseListFlag(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
export type TaintEffectFlag = (typeof EFFECTS)[number];

/** `key=value:Effect,key:Effect` → taints. */
export function parseTaintFlags(
  flag: string,
  text: string,
): { key: string; value?: string; effect: TaintEffectFlag }[] {
  return parseListFlag(text).map((item) => {
    const m = /^([^=:]+)(?:=([^:]*))?:(\w+)$/.exec(item);
    const effect = m?.[3] as TaintEffectFlag | undefined;
    if (!m || !effect || !EFFECTS.includes(effect)) {
      throw new UsageError(
        `${flag}: "${item}" is not key[=value]:Effect (Effect: ${EFFECTS.join(', ')})`,
        flag,
      );
    }
    return m[2] === undefined ? { key: m[1]!, effect } : { key: m[1]!, value: m[2], effect };
  });
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** A size in bytes: `1048576`, `512k`, `1MiB`, `4mb` (units are powers of 1024). */
export function parseSizeFlag(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new UsageError(`${flag}: "${text}" is not a size (e.g. 1048576, 512k, 1MiB)`, flag);
  }
  return bytes;
}
