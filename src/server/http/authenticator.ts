import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../../protocol/auth.js';
import type { Store } from '../../store/store.js';

/** Who called: a stored token, the bootstrap admin token, or anyone (the server runs open). */
export interface Principal {
  /** The token's name; `admin` for the bootstrap token; `anonymous` when the server is open. */
  name: string;
  role: Role;
  /** The stored token's id; null for the bootstrap token and when open. */
  tokenId: string | null;
}

/** Everyone, when no token is configured or stored: the server is open. */
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

export interface AuthenticatorOptions {
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
    o: AuthenticatorOptions = {},
  ) {
    this.adminHash = adminToken ? Buffer.from(hashToken(adminToken), 'hex') : null;
    this.cacheMs = o.cacheMs ?? 2000;
    this.now = o.now ?? Date.now;
  }

  /** Whether a bootstrap admin token was configured. */
  get hasBootstrapToken(): boolean {
    return this.adminHash !== null;
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
