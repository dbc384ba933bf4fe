import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { API_ROUTES, type ApiRoute } from '../../protocol/api-routes.js';
import { roleSatisfies, type Role, type RouteRole } from '../../protocol/auth.js';
import { ChronoqError } from '../../protocol/errors.js';
import type { Store } from '../../store/store.js';
import type { ApiContext } from './context.js';
import { isDashboardRequest } from './routes/dashboard.js';

/** Who called: a stored token, the bootstrap admin token, or anyone (the server runs open). */
export interface Principal {
  /** The token's name; `admin` for the bootstrap token; `anonymous` when the server is open. */
  name: string;
  role: Role;
  /** The stored token's id; null for the bootstrap token and when open. */
  tokenId: string | null;
}

export const ANONYMOUS: Principal = { name: 'anonymous', role: 'admin', tokenId: null };
const BOOTSTRAP: Principal = { name: 'admin', role: 'admin', tokenId: null };

/** A new token secret: `cq_` and 32 random bytes, base64url. */
export function newTokenSecret(): string {
  return `cq_${randomBytes(32).toString('base64url')}`;
}

/** What is stored of a secret. SHA-256 suffices: secrets are 256 random bits, not passwords. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export interface AuthOptions {
  /** How long a token lookup (and "is any token stored") is trusted. Default 2 s. */
  cacheMs?: number;
  now?: () => number;
}

const MAX_CACHED = 10_000;

/**
 * Resolves bearer secrets to principals. Lookups are cached for `cacheMs`, so a revocation on
 * another replica takes effect within that time; `invalidate()` (called on this replica's own
 * token changes) makes it immediate here.
 */
export class Authenticator {
  private readonly adminHash: Buffer | null;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  private stored: { any: boolean; until: number } | null = null;

  constructor(
    private readonly store: Store,
    adminToken: string | null,
    o: AuthOptions = {},
  ) {
    this.adminHash = adminToken ? Buffer.from(hashToken(adminToken), 'hex') : null;
    this.cacheMs = o.cacheMs ?? 2000;
    this.now = o.now ?? Date.now;
  }

  /** Whether requests need a token: one is configured or stored. */
  async enabled(): Promise<boolean> {
    if (this.adminHash) return true;
    const now = this.now();
    if (!this.stored || this.stored.until <= now) {
      this.stored = { any: (await this.store.tokenCount()) > 0, until: now + this.cacheMs };
    }
    return this.stored.any;
  }

  /** The principal a secret stands for, or null. */
  async identify(secret: string): Promise<Principal | null> {
    const hash = hashToken(secret);
    const hashBytes = Buffer.from(hash, 'hex');
    if (this.adminHash && timingSafeEqual(hashBytes, this.adminHash)) return BOOTSTRAP;
    const now = this.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) return hit.principal;
    const found = await this.store.tokenFindByHash(hash);
    const principal =
      found && timingSafeEqual(Buffer.from(found.hash, 'hex'), hashBytes)
        ? { name: found.name, role: found.role, tokenId: found.id }
        : null;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(hash, { principal, until: now + this.cacheMs });
    return principal;
  }

  /** Forget every cached lookup (after a token is created or revoked here). */
  invalidate(): void {
    this.cache.clear();
    this.stored = null;
  }
}

export interface RateLimit {
  /** Requests per second, sustained. */
  perSecond: number;
  /** Requests allowed at once. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 100, burst: 200 };

/** Token buckets in memory, one per key. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limit: RateLimit) {}

  /** Take one request from `key`'s bucket: 0 when allowed, else the seconds to wait. */
  take(key: string, now: number): number {
    const { perSecond, burst } = this.limit;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= MAX_CACHED) this.prune(now);
      b = { tokens: burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
  }

  private prune(now: number): void {
    const full = this.limit.burst / this.limit.perSecond;
    for (const [k, b] of this.buckets) if ((now - b.at) / 1000 >= full) this.buckets.delete(k);
    if (this.buckets.size >= MAX_CACHED) this.buckets.clear();
  }
}

const PRINCIPALS = new WeakMap<FastifyRequest, Principal>();

/** Who made the request (after the auth hook). */
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
  metricsPublic: boolean;
  now: () => number;
}

/** The role a route needs, as the catalogue says (`/metrics` may be made public). */
export function requiredRole(route: ApiRoute, o: { metricsPublic: boolean }): RouteRole {
  if (route.path === '/metrics' && o.metricsPublic) return 'public';
  return route.role;
}

/**
 * The one place requests are authenticated and authorised: 401 without a valid token, 403 when
 * its role is weaker than the route's (from the catalogue), 429 past the token's rate.
 */
export function installAuth(app: FastifyInstance, o: AuthHookOptions): void {
  const limiter = o.rateLimit ? new RateLimiter(o.rateLimit) : null;
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
    const principal = m[1]!.length <= 512 ? await o.auth.identify(m[1]!) : null;
    if (!principal) throw new ChronoqError('unauthorized', 'invalid token');
    PRINCIPALS.set(req, principal);
    if (limiter) {
      const wait = limiter.take(principal.tokenId ?? principal.name, o.now());
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

/** Record who did what in the audit log. */
export async function audit(
  ctx: Pick<ApiContext, 'store' | 'clock'>,
  req: FastifyRequest,
  action: string,
  target: string,
  detail: Record<string, unknown> | null = null,
): Promise<void> {
  await ctx.store.auditAppend({
    at: ctx.clock.now(),
    actor: principalOf(req).name,
    action,
    target,
    detail,
  });
}
