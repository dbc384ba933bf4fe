import type pg from 'pg';
import type { Logger } from '../../lib/logger.js';
import { LeaseLostError, type ChangeEvent, type LeaderFence } from '../store.js';
import type { ChangeFeed } from '../common/change-feed.js';
import { encodeEvent } from './notifications.js';
import { inlineSql } from './inline-sql.js';
import { SQL } from './sql.js';
import { COUNTS_IN_JS_CHECK, INSERT_COUNT_DELTAS } from './task-counts.js';
import { CountMoves } from '../common/count-moves.js';

/** The SQLSTATE `chronoq_require` raises when the leader's fence no longer holds. */
const LEASE_LOST = 'CQ001';

/** What runs SQL: the pool, or the client of a transaction. */
export interface Db {
  rows<R>(sql: string, params?: unknown[]): Promise<R[]>;
}

/**
 * A write transaction: SQL, the leader's fence check, and change events to send on commit.
 * Statements whose answer is not needed are deferred: they travel together with the next read,
 * or with the COMMIT, in one message.
 */
export interface WriteTx extends Db {
  /**
   * The transaction fails with LeaseLostError unless the fence is exactly the current lease,
   * which stays locked until commit. Checked with the transaction's next statement.
   */
  checkFence(fence: LeaderFence): Promise<void>;
  /** Run `sql` before the next read (or the commit); its rows are not returned. */
  defer(sql: string, params?: unknown[]): void;
  /**
   * A task of `queue` went from state `from` to state `to`, as stored: counted by one insert
   * into `task_count_deltas` with the commit (see task-counts.ts).
   */
  countMove(queue: string, from: string, to: string): void;
  /** Send `event` to this process's subscribers and, by NOTIFY, to other replicas, on commit. */
  emit(event: ChangeEvent): void;
}

const dbOf = (q: pg.Pool | pg.PoolClient): Db => ({
  rows: async <R>(sql: string, params?: unknown[]) => (await q.query(sql, params)).rows as R[],
});

/**
 * What the driver's parts share: the pool, transactions and the change feed. Writes run in
 * READ COMMITTED transactions that lock the rows they decide on (`FOR UPDATE`), so a
 * read-decide-write never races another replica. Their change events are NOTIFYed inside the
 * transaction (Postgres delivers them on commit, atomically with it) and emitted to local
 * subscribers right after the commit, before the call returns.
 */
export class PgContext {
  private closed = false;
  /** Migration 12 is applied: task moves are counted by the driver (see `countsMoves`). */
  private movesCounted = false;
  readonly db: Db;

  constructor(
    readonly pool: pg.Pool,
    private readonly feed: ChangeFeed,
    private readonly notify: { channel: string; source: string },
    private readonly logger: Logger,
  ) {
    this.db = dbOf(pool);
  }

  /** One statement on any pooled connection. */
  rows<R>(sql: string, params?: unknown[]): Promise<R[]> {
    this.assertOpen();
    return this.db.rows<R>(sql, params);
  }

  /** Several reads that must see one snapshot. */
  read<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (client) =>
      fn(dbOf(client)),
    );
  }

  /**
   * A write transaction. One that Postgres aborts as a deadlock victim (or a serialization
   * failure) is run again from the start, a few times: `fn` must only act through `tx`.
   */
  async write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.writeOnce(fn);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (attempt >= 5 || (code !== '40P01' && code !== '40001')) throw err;
      }
    }
  }

  /**
   * A write transaction in as few round trips as it has reads: BEGIN goes with the first
   * statement, deferred writes with the next read, and the last writes, the NOTIFY and the
   * COMMIT in one message. A transaction without reads is one message.
   */
  private async writeOnce<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    this.assertOpen();
    const events: ChangeEvent[] = [];
    const moves = new CountMoves();
    const pending: string[] = [];
    let begun = false;
    let fenceName: string | null = null;
    const client = await this.pool.connect();
    const send = async (last: string | null): Promise<Record<string, unknown>[]> => {
      const statements = begun ? pending.splice(0) : ['BEGIN', ...pending.splice(0)];
      begun = true;
      if (last !== null) statements.push(last);
      const result = (await client.query(statements.join(';\n'))) as
        pg.QueryResult | pg.QueryResult[];
      const results = Array.isArray(result) ? result : [result];
      return results[results.length - 1]?.rows ?? [];
    };
    const tx: WriteTx = {
      rows: async <R>(sql: string, params?: unknown[]) =>
        (await send(inlineSql(sql, params))) as R[],
      defer: (sql, params) => void pending.push(inlineSql(sql, params)),
      countMove: (queue, from, to) => moves.move(queue, from, to),
      checkFence: (fence) => {
        fenceName = fence.name;
        pending.push(inlineSql(SQL.leaseRequire, [fence.name, fence.holder, fence.token]));
        return Promise.resolve();
      },
      emit: (event) => {
        // The task changes of one commit travel as one event, however many steps wrote them.
        const first = events.find((e) => e.kind === 'tasks');
        if (event.kind === 'tasks' && first?.kind === 'tasks') first.changes.push(...event.changes);
        else
          events.push(event.kind === 'tasks' ? { ...event, changes: [...event.changes] } : event);
      },
    };
    // A connection that cannot even roll back is destroyed, not returned to the pool.
    let broken: Error | undefined;
    try {
      const value = await fn(tx);
      const deltas = moves.take();
      if (deltas.length > 0 && (await this.countsMoves(tx))) {
        tx.defer(INSERT_COUNT_DELTAS, [JSON.stringify(deltas)]);
      }
      const payloads = this.payloads(events);
      if (payloads.length > 0) tx.defer(SQL.notify, [this.notify.channel, payloads]);
      if (begun || pending.length > 0) await send('COMMIT');
      for (const event of events) this.feed.emit(event);
      return value;
    } catch (err) {
      if (begun) await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      if ((err as { code?: unknown }).code === LEASE_LOST && fenceName !== null) {
        throw new LeaseLostError(fenceName);
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /**
   * Whether the transaction must count its task moves: once migration 12 dropped the UPDATE
   * trigger. Known for good once seen; until then asked inside the transaction, after its
   * updates, where the migration (which locks `tasks`) cannot commit before this transaction.
   */
  private async countsMoves(tx: WriteTx): Promise<boolean> {
    if (this.movesCounted) return true;
    const [row] = await tx.rows<{ ok: boolean }>(COUNTS_IN_JS_CHECK);
    this.movesCounted = row?.ok === true;
    return this.movesCounted;
  }

  close(): void {
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the store is closed');
  }

  private payloads(events: ChangeEvent[]): string[] {
    const out: string[] = [];
    for (const event of events) {
      const { payloads, dropped } = encodeEvent(this.notify.source, event);
      if (dropped > 0) {
        this.logger.warn({ kind: event.kind, dropped }, 'change too large to notify; not sent');
      }
      out.push(...payloads);
    }
    return out;
  }

  private async transaction<T>(begin: string, fn: (client: pg.PoolClient) => Promise<T>) {
    this.assertOpen();
    const client = await this.pool.connect();
    // A connection that cannot even roll back is destroyed, not returned to the pool.
    let broken: Error | undefined;
    try {
      await client.query(begin);
      const value = await fn(client);
      await client.query('COMMIT');
      return value;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw err;
    } finally {
      client.release(broken);
    }
  }
}
