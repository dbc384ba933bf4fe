import { z } from 'zod';
import { nameSchema } from './task-spec.js';

/**
 * Roles of API tokens. `admin` > `operator` > `submitter` > `viewer` is a ladder: each holds the
 * rights of those below it. `worker` stands apart: it may only open the worker session (and
 * `admin` may do everything, that included).
 */
export const ROLES = ['admin', 'operator', 'submitter', 'viewer', 'worker'] as const;
export type Role = (typeof ROLES)[number];

/** What a route asks for: a role (the least one that may call it) or nothing at all. */
export type RouteRole = Role | 'public';

const LADDER: Record<Exclude<Role, 'worker'>, number> = {
  viewer: 1,
  submitter: 2,
  operator: 3,
  admin: 4,
};

/** Whether a token of role `have` may call a route that needs `need`. */
export function roleSatisfies(have: Role | null, need: RouteRole): boolean {
  if (need === 'public') return true;
  if (have === null) return false;
  if (have === 'admin') return true;
  if (need === 'worker' || have === 'worker') return have === need;
  return LADDER[have] >= LADDER[need];
}

/** The roles that may not call a route needing `need` (for tests and docs). */
export function rolesBelow(need: RouteRole): Role[] {
  return ROLES.filter((r) => !roleSatisfies(r, need));
}

/** Names the server uses for itself in audit records; no stored token may take them. */
export const RESERVED_ACTORS = ['admin', 'anonymous', 'system'] as const;

export const tokenCreateSchema = z.strictObject({
  name: nameSchema.refine((n) => !(RESERVED_ACTORS as readonly string[]).includes(n), {
    message: 'is reserved',
  }),
  role: z.enum(ROLES),
});
export type TokenCreate = z.output<typeof tokenCreateSchema>;

export const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'must be a cursor from a previous page')
    .optional(),
});

/** A token as listed (never its secret). */
export interface TokenView {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
}

/** The answer of `POST /tokens`: the secret, shown this once. */
export interface CreatedTokenView extends TokenView {
  token: string;
}

export interface AuditEntryView {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown> | null;
}

export interface AuditPage {
  entries: AuditEntryView[];
  nextCursor: string | null;
}
