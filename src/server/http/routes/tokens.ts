import type { FastifyInstance } from 'fastify';
import { newId } from '../../../lib/ids.js';
import {
  auditQuerySchema,
  tokenCreateSchema,
  type AuditPage,
  type CreatedTokenView,
  type TokenView,
} from '../../../protocol/auth.js';
import { ChronoqError } from '../../../protocol/errors.js';
import { idParamSchema } from '../../../protocol/queries.js';
import { parseInput } from '../../../protocol/validate.js';
import type { StoredAuditEntry, StoredToken } from '../../../store/store.js';
import { auditNote } from '../audit.js';
import { hashToken, newTokenSecret, type Authenticator } from '../authenticator.js';
import type { ApiContext } from '../context.js';
import { compileLimits, pageSize } from '../limits.js';

const toTokenView = (t: StoredToken): TokenView => ({
  id: t.id,
  name: t.name,
  role: t.role,
  createdAt: new Date(t.createdAt).toISOString(),
});

const toAuditView = (e: StoredAuditEntry) => ({
  seq: e.seq,
  at: new Date(e.at).toISOString(),
  actor: e.actor,
  action: e.action,
  target: e.target,
  detail: e.detail,
});

/** API tokens (admin only, by the catalogue) and the audit log. */
export function tokenRoutes(app: FastifyInstance, ctx: ApiContext, auth: Authenticator): void {
  const { store, clock } = ctx;
  const limits = compileLimits(ctx.limits);

  app.post('/api/v1/tokens', async (req, reply) => {
    const { name, role } = parseInput(tokenCreateSchema, req.body);
    const secret = newTokenSecret();
    const now = clock.now();
    const stored: StoredToken = {
      id: newId(now),
      name,
      role,
      hash: hashToken(secret),
      createdAt: now,
    };
    const { ok } = await store.tokenCreate(stored);
    if (!ok) throw new ChronoqError('conflict', `a token named ${name} exists`, 'name');
    auth.invalidate();
    auditNote(req, { target: `token:${stored.id}`, detail: { name, role } });
    const view: CreatedTokenView = { ...toTokenView(stored), token: secret };
    return reply.code(201).send(view);
  });

  app.get('/api/v1/tokens', async () => {
    const tokens = await store.tokenList();
    return { tokens: tokens.map(toTokenView) };
  });

  app.delete('/api/v1/tokens/:id', async (req) => {
    const { id } = parseInput(idParamSchema, req.params);
    const tokens = await store.tokenList();
    const known = tokens.find((t) => t.id === id);
    if (!known) throw new ChronoqError('not_found', `token ${id} not found`, 'id');
    // Revoking the last admin token would lock every admin out (or, with no token left, open
    // the server to anyone): refused unless a bootstrap admin token stands behind it.
    const admins = tokens.filter((t) => t.role === 'admin').length;
    if (known.role === 'admin' && admins === 1 && !auth.hasBootstrapToken) {
      throw new ChronoqError(
        'conflict',
        'this is the last admin token: create another admin token first (or start the server with --admin-token)',
        'id',
      );
    }
    if (!(await store.tokenDelete(id))) {
      throw new ChronoqError('not_found', `token ${id} not found`, 'id');
    }
    auth.invalidate();
    auditNote(req, { detail: { name: known.name, role: known.role } });
    return { ...toTokenView(known), revoked: true };
  });

  app.get('/api/v1/audit', async (req) => {
    const q = parseInput(auditQuerySchema, req.query);
    const page = await store.auditList({
      limit: pageSize(q.limit, limits),
      cursor: q.cursor === undefined ? undefined : Number(q.cursor),
    });
    const body: AuditPage = {
      entries: page.entries.map(toAuditView),
      nextCursor: page.nextCursor === null ? null : String(page.nextCursor),
    };
    return body;
  });
}
