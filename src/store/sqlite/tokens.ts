import type { Statement } from 'better-sqlite3';
import type { AuditEntry, AuditPage, StoredAuditEntry, StoredToken } from '../store.js';
import type { SqliteContext } from './context.js';

interface TokenRow {
  id: string;
  name: string;
  role: StoredToken['role'];
  hash: string;
  created_at: number;
}

interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  detail: string | null;
}

const toToken = (r: TokenRow): StoredToken => ({
  id: r.id,
  name: r.name,
  role: r.role,
  hash: r.hash,
  createdAt: r.created_at,
});

const toAudit = (r: AuditRow): StoredAuditEntry => ({
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  action: r.action,
  target: r.target,
  detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
});

/** API tokens (hashes only) and the audit log (migration 4). */
export class Tokens {
  private cache = new Map<string, Statement>();

  constructor(private readonly ctx: SqliteContext) {}

  private stmt(sql: string): Statement {
    if (this.ctx.isClosed) throw new Error('the store is closed');
    let s = this.cache.get(sql);
    if (!s) {
      s = this.ctx.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  create(t: StoredToken): { ok: boolean } {
    const r = this.stmt(
      `INSERT INTO tokens (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    ).run(t.id, t.name, t.role, t.hash, t.createdAt);
    return { ok: r.changes === 1 };
  }

  list(): StoredToken[] {
    const rows = this.stmt('SELECT * FROM tokens ORDER BY created_at, id').all() as TokenRow[];
    return rows.map(toToken);
  }

  findByHash(hash: string): StoredToken | null {
    const row = this.stmt('SELECT * FROM tokens WHERE hash = ?').get(hash) as TokenRow | undefined;
    return row ? toToken(row) : null;
  }

  delete(id: string): boolean {
    return this.stmt('DELETE FROM tokens WHERE id = ?').run(id).changes === 1;
  }

  count(): number {
    return (this.stmt('SELECT count(*) AS n FROM tokens').get() as { n: number }).n;
  }

  auditAppend(e: AuditEntry): void {
    this.stmt(
      'INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)',
    ).run(e.at, e.actor, e.action, e.target, e.detail === null ? null : JSON.stringify(e.detail));
  }

  auditList(opts: { limit: number; cursor?: number }): AuditPage {
    const rows = this.stmt('SELECT * FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?').all(
      opts.cursor ?? Number.MAX_SAFE_INTEGER,
      opts.limit + 1,
    ) as AuditRow[];
    const more = rows.length > opts.limit;
    const page = rows.slice(0, opts.limit).map(toAudit);
    return { entries: page, nextCursor: more ? page[page.length - 1]!.seq : null };
  }
}

/** Migration 4 of the SQLite driver. */
export const TOKENS_MIGRATION_SQL = `
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    -- SHA-256 of the secret (hex); the secret itself is never stored.
    hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT
  );
`;
