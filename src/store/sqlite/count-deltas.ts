import type { Database, Statement } from 'better-sqlite3';
import { CountMoves } from '../common/count-moves.js';

/** The migration that dropped the UPDATE trigger: from it on, the driver counts task moves. */
export const COUNTS_IN_JS_VERSION = 12;

/**
 * The net change to `task_counts` of the task UPDATEs of the write transaction under way, applied
 * before it commits with one upsert per (queue, state) pair whose net is not zero: a batch of 50
 * assignments in one queue is two upserts, where a per-row trigger ran a hundred. Inserts and
 * deletes are still counted by their triggers (migration 10).
 *
 * `SqliteContext` flushes it before every commit (and before a nested write opens its savepoint)
 * and clears it when the transaction fails, as it does the history rows, so a failing nested
 * write drops only its own moves.
 *
 * On a schema older than migration 12 the UPDATE trigger still counts (or there is no
 * `task_counts` yet), so the moves are dropped; the migration is looked up inside the write, where
 * no other connection can apply it, until it is found. A process still running code from before
 * migration 12 on the same file would not count its state changes once it is applied.
 */
export class TaskCountDeltas {
  private readonly moves = new CountMoves();
  private upsert: Statement<[string, string, number]> | null = null;
  private migrated: Statement<[number]> | null = null;

  constructor(private readonly db: Database) {}

  /** One task of `queue` went from state `from` to state `to` (as stored). */
  move(queue: string, from: string, to: string): void {
    this.moves.move(queue, from, to);
  }

  /** Apply the moves recorded so far (inside the transaction). */
  flush(): void {
    const deltas = this.moves.take();
    if (deltas.length === 0) return;
    const upsert = this.statement();
    if (upsert) for (const d of deltas) upsert.run(d.queue, d.state, d.n);
  }

  clear(): void {
    this.moves.clear();
  }

  /** The upsert, once migration 12 is applied; null before. */
  private statement(): Statement<[string, string, number]> | null {
    if (this.upsert) return this.upsert;
    this.migrated ??= this.db.prepare<[number]>(
      'SELECT 1 FROM schema_migrations WHERE version = ?',
    );
    if (this.migrated.get(COUNTS_IN_JS_VERSION) === undefined) return null;
    this.migrated = null;
    this.upsert = this.db.prepare<[string, string, number]>(
      `INSERT INTO task_counts (queue, state, n) VALUES (?, ?, ?)
       ON CONFLICT (queue, state) DO UPDATE SET n = n + excluded.n`,
    );
    return this.upsert;
  }
}
