import type { z } from 'zod';
import { ChronoqError } from './errors.js';
import { findInputIssue } from './input-guards.js';

/** Turn the first schema issue into an error that names the field. */
export function issueToError(error: z.ZodError, prefix?: string): ChronoqError {
  const issue = error.issues[0];
  if (!issue) return new ChronoqError('invalid', 'invalid input');
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') path.push(String(issue.keys[0]));
  if (prefix) path.unshift(prefix);
  const field = path.join('.');
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown field ${field}`
      : field
        ? `${field}: ${issue.message}`
        : issue.message;
  return new ChronoqError('invalid', message, field || undefined);
}

/** Validate `value` against `schema`, or throw a 400 naming the field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix?: string,
): z.output<S> {
  const guard = findInputIssue(value, prefix);
  if (guard) throw new ChronoqError('invalid', guard.message, guard.field || undefined);
  const r = schema.safeParse(value);
  if (!r.success) throw issueToError(r.error, prefix);
  return r.data;
}
