import type { AuditEntry, AuditPage, StoredAuditEntry, StoredToken } from '../store.js';
import type { PgContext } from './context.js';

interface TokenRow {
  id: string;
  name: string;
  role: StoredToken['role'];
  hash: string;
  created_at: string | number;
}

interface AuditRow {
  seq: string | number;
  at: string | number;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown> | null;
}

const toToken = (r: TokenRow): StoredToken => ({
  id: r.id,
  name: r.name,
  role: r.role,
  hash: r.hash,
  createdAt: Number(r.created_at),
});

const toAudit = (r: AuditRow): StoredAuditEntry => ({
  seq: Number(r.seq),
  at: Number(r.at),
  actor: r.actor,
  action: r.action,
  target: r.target,
  detail: r.detail,
});

/** API tokens (hashes only) and the audit log (migration 4). */
export class Tokens {
  constructor(private readonly ctx: PgContext) {}

  async create(t: StoredToken): Promise<{ ok: boolean }> {
    const rows = await this.ctx.rows(
      `INSERT INTO tokens (id, name, role, hash, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING id`,
      [t.id, t.name, t.role, t.hash, t.createdAt],
    );
    return { ok: rows.length === 1 };
  }

  async list(): Promise<StoredToken[]> {
    const rows = await this.ctx.rows<TokenRow>('SELECT * FROM tokens ORDER BY created_at, id');
    return rows.map(toToken);
  }

  async findByHash(hash: string): Promise<StoredToken | null> {
    const [row] = await this.ctx.rows<TokenRow>('SELECT * FROM tokens WHERE hash = $1', [hash]);
    return row ? toToken(row) : null;
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.ctx.rows('DELETE FROM tokens WHERE id = $1 RETURNING id', [id]);
    return rows.length === 1;
  }

  async count(): Promise<number> {
    const [row] = await this.ctx.rows<{ n: string }>('SELECT count(*) AS n FROM tokens');
    return Number(row?.n ?? 0);
  }

  async auditAppend(e: AuditEntry): Promise<void> {
    await this.ctx.rows(
      'INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)',
      [e.at, e.actor, e.action, e.target, e.detail === null ? null : JSON.stringify(e.detail)],
    );
  }

  async auditList(opts: { limit: number; cursor?: number }): Promise<AuditPage> {
    const rows = await this.ctx.rows<AuditRow>(
      'SELECT * FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT $2',
      [opts.cursor ?? Number.MAX_SAFE_INTEGER, opts.limit + 1],
    );
    const more = rows.length > opts.limit;
    const page = rows.slice(0, opts.limit).map(toAudit);
    return { entries: page, nextCursor: more ? page[page.length - 1]!.seq : null };
  }
}

/** Migration 4 of the Postgres driver. */
export const TOKENS_MIGRATION_SQL = `
  CREATE TABLE tokens (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL UNIQUE,
    role TEXT NOT NULL,
    -- SHA-256 of the secret (hex); the secret itself is never stored.
    hash TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE audit_log (
    seq BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail JSONB
  );
`;
