import type { Database, Statement } from 'better-sqlite3';
import type { AttemptRow, EventRow } from './rows.js';

/** Most parameters one statement binds (SQLite allows 32,766). */
const MAX_PARAMS = 8_000;
/** Most rows one statement inserts. */
const MAX_ROWS = 200;

/**
 * Many rows of one table in as few statements as possible: `INSERT … VALUES (…), (…), …`, one
 * statement per chunk of rows, prepared once per chunk size. Rows go in the order given, so
 * rowids (and `seq` columns) follow that order as they would with one insert per row.
 */
export class MultiInsert {
  private readonly statements = new Map<number, Statement<unknown[]>>();
  private readonly perChunk: number;
  private readonly tuple: string;

  /** `head`: `INSERT [OR …] INTO table (columns…)`, with `width` columns. */
  constructor(
    private readonly db: Database,
    private readonly head: string,
    private readonly width: number,
  ) {
    this.perChunk = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / width)));
    this.tuple = `(${Array.from({ length: width }, () => '?').join(', ')})`;
  }

  /** Insert `rows`, each an array of `width` values in column order. */
  run(rows: readonly (readonly unknown[])[]): void {
    for (let i = 0; i < rows.length; i += this.perChunk) {
      const chunk = rows.length <= this.perChunk ? rows : rows.slice(i, i + this.perChunk);
      const params: unknown[] = [];
      for (const row of chunk) for (let c = 0; c < this.width; c++) params.push(row[c]);
      this.statement(chunk.length).run(params);
    }
  }

  private statement(rows: number): Statement<unknown[]> {
    let stmt = this.statements.get(rows);
    if (!stmt) {
      stmt = this.db.prepare<unknown[]>(
        `${this.head} VALUES ${Array.from({ length: rows }, () => this.tuple).join(', ')}`,
      );
      this.statements.set(rows, stmt);
    }
    return stmt;
  }
}

/**
 * The history rows (task events and ended attempts) of the write transaction under way, written
 * in a few multi-row statements at its end instead of one statement per row. `SqliteContext`
 * flushes it before every commit and clears it when the transaction fails; rows keep the order
 * they were added in.
 */
export class HistoryBuffer {
  private events: unknown[][] = [];
  private attempts: unknown[][] = [];
  private readonly eventInsert: MultiInsert;
  private readonly attemptInsert: MultiInsert;

  constructor(db: Database) {
    this.eventInsert = new MultiInsert(
      db,
      `INSERT INTO task_events (task_id, at, kind, attempt, from_state, to_state, actor, detail)`,
      8,
    );
    this.attemptInsert = new MultiInsert(
      db,
      `INSERT OR REPLACE INTO attempts
        (task_id, attempt, worker_id, outcome, started_at, finished_at, error)`,
      7,
    );
  }

  event(r: EventRow): void {
    this.events.push([
      r.task_id,
      r.at,
      r.kind,
      r.attempt,
      r.from_state,
      r.to_state,
      r.actor,
      r.detail,
    ]);
  }

  attempt(r: AttemptRow): void {
    this.attempts.push([
      r.task_id,
      r.attempt,
      r.worker_id,
      r.outcome,
      r.started_at,
      r.finished_at,
      r.error,
    ]);
  }

  get size(): number {
    return this.events.length + this.attempts.length;
  }

  /** Write what was added (inside the transaction). */
  flush(): void {
    if (this.attempts.length > 0) {
      const rows = this.attempts;
      this.attempts = [];
      this.attemptInsert.run(rows);
    }
    if (this.events.length > 0) {
      const rows = this.events;
      this.events = [];
      this.eventInsert.run(rows);
    }
  }

  clear(): void {
    this.events = [];
    this.attempts = [];
  }
}
