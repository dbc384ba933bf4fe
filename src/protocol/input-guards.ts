/**
 * Checks every input gets before its schema: no NUL character in any string or key (Postgres
 * refuses `\u0000` in text and JSONB, so both drivers must refuse it the same way, up front), no
 * non-finite number, no nesting deeper than MAX_DEPTH (deep values would overflow the stack of whatever walks them
 * next), and no prototype keys (`__proto__`, or `constructor` holding `prototype`): whatever
 * merges the value later must never reach an object's prototype.
 */
export const MAX_DEPTH = 64;

export interface GuardIssue {
  field: string;
  message: string;
}

/** The first issue in `value`, or null. Walks iteratively: any depth is safe to inspect. */
export function findInputIssue(value: unknown, prefix?: string): GuardIssue | null {
  const stack: { v: unknown; path: string[]; depth: number }[] = [
    { v: value, path: prefix ? [prefix] : [], depth: 0 },
  ];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\0')) return issue(path, 'must not contain NUL characters');
      continue;
    }
    if (typeof v === 'number') {
      // JSON has no NaN or Infinity, but 1e400 parses to Infinity (and would be stored as null).
      if (!Number.isFinite(v)) return issue(path, 'must be a finite number');
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_DEPTH) return issue(path, `is nested deeper than ${MAX_DEPTH} levels`);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ v: v[i], path: [...path, String(i)], depth: depth + 1 });
      }
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      if (k.includes('\0')) return issue(path, 'must not have keys with NUL characters');
      const child = (v as Record<string, unknown>)[k];
      if (k === '__proto__' || (k === 'constructor' && hasPrototypeKey(child))) {
        return issue([...path, k], 'is a prototype key, not allowed');
      }
      stack.push({ v: (v as Record<string, unknown>)[k], path: [...path, k], depth: depth + 1 });
    }
  }
  return null;
}

function hasPrototypeKey(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.hasOwn(v, 'prototype');
}

function issue(path: string[], message: string): GuardIssue {
  const field = path.join('.');
  return { field, message: field ? `${field}: ${message}` : message };
}

const encoder = new TextEncoder();

/** Size of `value` as JSON, in bytes (0 when absent). */
export function jsonBytes(value: unknown): number {
  if (value === undefined) return 0;
  return encoder.encode(JSON.stringify(value) ?? '').length;
}
