import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { API_ROUTES, type ApiRoute } from '../../protocol/api-routes.js';
import { roleSatisfies, type RouteRole } from '../../protocol/auth.js';
import { ChronoqError } from '../../protocol/errors.js';
import { auditNote } from './audit.js';
import { ANONYMOUS, type Authenticator, type Principal } from './authenticator.js';
import type { RateLimit } from './limits.js';
import { RateLimiter } from './rate-limiter.js';
import { isDashboardRequest } from './routes/dashboard.js';

const PRINCIPALS = new WeakMap<FastifyRequest, Principal>();

/** Who made the request (after the auth hook): `anonymous` when the server runs open. */
export function principalOf(req: FastifyRequest): Principal {
  return PRINCIPALS.get(req) ?? ANONYMOUS;
}

const ROUTES_BY_KEY = new Map<string, ApiRoute>(
  API_ROUTES.map((r) => [`${r.method} ${r.path}`, r]),
);

/** The catalogue entry of a request's route, if it matched one. */
export function routeOf(req: FastifyRequest): ApiRoute | undefined {
  const url = req.routeOptions.url;
  if (url === undefined) return undefined;
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  return ROUTES_BY_KEY.get(`${method} ${url}`);
}

export interface AuthHookOptions {
  auth: Authenticator;
  /** Null: no rate limit. */
  rateLimit: RateLimit | null;
  /** `/metrics` needs no token. */
  metricsPublic: boolean;
  /** The clock of the rate limit. */
  now: () => number;
}

/** The role a route needs, as the catalogue says (`/metrics` may be made public). */
export function requiredRole(route: ApiRoute, o: { metricsPublic: boolean }): RouteRole {
  if (route.path === '/metrics' && o.metricsPublic) return 'public';
  return route.role;
}

/** Longest bearer secret looked up (ours are 46 characters). */
const MAX_SECRET = 512;

/**
 * The one place requests are authenticated and authorised, before anything else (the body is
 * not even read): 401 without a valid token, 429 past the token's rate (with `Retry-After`),
 * 403 when its role is weaker than the route's (from the catalogue).
 */
export function installAuth(app: FastifyInstance, o: AuthHookOptions): void {
  const limiter = o.rateLimit ? new RateLimiter(o.rateLimit) : null;
  // A refused WebSocket upgrade: once the refusal is written, the connection is done (the
  // websocket plugin only closes the ones its own hook saw, which a refusal here precedes).
  app.addHook('onResponse', async (req) => {
    if (req.headers.upgrade !== undefined) req.raw.socket?.destroy();
  });
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const route = routeOf(req);
    let need: RouteRole;
    if (route) need = requiredRole(route, o);
    // The dashboard's files (served by the not-found fallback) are public; other unknown
    // paths still need a token, so they cannot be probed anonymously.
    else if (req.routeOptions.url === undefined)
      need = isDashboardRequest(req) ? 'public' : 'viewer';
    else need = 'admin'; // a registered route missing from the catalogue: fail closed
    if (need === 'public' || !(await o.auth.enabled())) return;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer +(\S+) *$/i.exec(header);
    if (!m) {
      throw new ChronoqError(
        'unauthorized',
        header ? 'malformed authorization header' : 'a bearer token is required',
      );
    }
    const principal = m[1]!.length <= MAX_SECRET ? await o.auth.identify(m[1]!) : null;
    if (!principal) throw new ChronoqError('unauthorized', 'invalid token');
    PRINCIPALS.set(req, principal);
    if (limiter) {
      const wait = limiter.take(principal.tokenId ?? `~${principal.name}`, o.now());
      if (wait > 0) {
        void reply.header('retry-after', String(wait));
        throw new ChronoqError('rate_limited', `too many requests: retry in ${wait} s`);
      }
    }
    if (!roleSatisfies(principal.role, need)) {
      throw new ChronoqError(
        'forbidden',
        `${req.method} ${route?.path ?? 'this path'} needs the ${need} role; the token has ${principal.role}`,
      );
    }
  });
}

/**
 * Name the target (and details) of this request's audit entry. The entry itself is written by
 * the audit hook for every successful change an operator or admin makes (see audit.ts), with the
 * action derived from the route; `action` is kept for the call sites' readability only.
 */
export async function audit(
  _ctx: unknown,
  req: FastifyRequest,
  _action: string,
  target: string,
  detail: Record<string, unknown> | null = null,
): Promise<void> {
  auditNote(req, detail === null ? { target } : { target, detail });
}
