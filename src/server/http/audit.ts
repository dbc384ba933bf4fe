import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiRoute } from '../../protocol/api-routes.js';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../../store/store.js';
import { principalOf, routeOf } from './auth.js';

interface Note {
  target?: string;
  detail?: Record<string, unknown>;
}

const NOTES = new WeakMap<FastifyRequest, Note>();

/**
 * Add to the audit entry of this request: a better `target` than the route's parameter (say,
 * the id of what it created) and details (what changed). Routes need not call it: every
 * successful change is audited anyway.
 */
export function auditNote(req: FastifyRequest, note: Note): void {
  const n = NOTES.get(req) ?? {};
  if (note.target !== undefined) n.target = note.target;
  if (note.detail !== undefined) n.detail = { ...n.detail, ...note.detail };
  NOTES.set(req, n);
}

/**
 * Which routes are audited: every change an operator or admin makes (pause, resume, cancel,
 * retry, queue and worker settings, schedules, tokens, …). Submitting work is not: the task's
 * own history records it.
 */
export function isAudited(route: ApiRoute): boolean {
  return route.method !== 'GET' && (route.role === 'operator' || route.role === 'admin');
}

const VERBS: Record<string, string> = { POST: 'create', PATCH: 'update', DELETE: 'delete' };

/**
 * The action a route stands for, from its path: `POST /api/v1/tasks/:id/cancel` is
 * `task.cancel`, `PATCH /api/v1/queues/:name` is `queue.update`, `DELETE /api/v1/tokens/:id` is
 * `token.delete`.
 */
export function auditAction(route: ApiRoute): string {
  const words = route.path
    .replace(/^\/api\/v\d+\//, '')
    .split('/')
    .filter((s) => s !== '' && !s.startsWith(':'));
  const resource = singular(words[0] ?? 'server');
  const verb = words.length > 1 ? words.slice(1).join('.') : (VERBS[route.method] ?? 'call');
  return `${resource}.${verb}`;
}

function singular(word: string): string {
  return word.endsWith('s') ? word.slice(0, -1) : word;
}

/** `task:ID`, `queue:NAME`: the route's first path parameter, with the resource's name. */
function defaultTarget(route: ApiRoute, req: FastifyRequest): string {
  const resource = auditAction(route).split('.')[0]!;
  const params = (req.params ?? {}) as Record<string, unknown>;
  const first = route.path.match(/:(\w+)/)?.[1];
  return first === undefined ? resource : `${resource}:${String(params[first])}`;
}

/**
 * Record who changed what in the audit log, for every successful audited request, before the
 * answer leaves: once a client has its answer, the entry is stored. A failed write is logged,
 * never turned into a failed answer (the change itself is already made).
 */
export function installAudit(
  app: FastifyInstance,
  deps: { store: Pick<Store, 'auditAppend'>; now: () => number; logger: Logger },
): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const route = routeOf(req);
    if (!route || !isAudited(route) || reply.statusCode >= 300) return payload;
    const note = NOTES.get(req) ?? {};
    try {
      await deps.store.auditAppend({
        at: deps.now(),
        actor: principalOf(req).name,
        action: auditAction(route),
        target: note.target ?? defaultTarget(route, req),
        detail: note.detail ?? null,
      });
    } catch (err) {
      deps.logger.error({ err, route: route.path }, 'could not write the audit log');
    }
    return payload;
  });
}
