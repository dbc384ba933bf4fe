import type { z } from 'zod';
import { findInputIssue } from '../protocol/input-guards.js';
import { issueToError } from '../protocol/validate.js';
import { ChronoqValidationError } from './errors.js';

/**
 * Check `value` against one of the shared protocol schemas, throwing the error the API would
 * answer with (same message and field) as a `ChronoqValidationError`.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const guard = findInputIssue(value);
  if (guard) throw new ChronoqValidationError(guard.message, guard.field || undefined);
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const e = issueToError(r.error);
  throw new ChronoqValidationError(e.message, e.field);
}
