import type pg from 'pg';
import type { Logger } from '../../lib/logger.js';
import { LeaseLostError, type ChangeEvent, type LeaderFence } from '../store.js';
import type { ChangeFeed } from '../common/change-feed.js';
import { encodeEvent } from './notifications.js';
import { SQL } from './sql.js';

/** What runs SQL: the pool, or the client of a transaction. */
export interface Db {
  rows<R>(sql: string, params?: unknown[]): Promise<R[]>;
}

/** A write transaction: SQL, the leader's fence check, and change events to send on commit. */
export interface WriteTx extends Db {
  /** Throw LeaseLostError unless the fence is exactly the current lease; holds it until commit. */
  checkFence(fence: LeaderFence): Promise<void>;
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

  private async writeOnce<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    const events: ChangeEvent[] = [];
    const result = await this.transaction('BEGIN', async (client) => {
      const db = dbOf(client);
      const tx: WriteTx = {
        rows: db.rows,
        checkFence: async (fence) => {
          const held = await db.rows(SQL.leaseCheck, [fence.name, fence.holder, fence.token]);
          if (held.length === 0) throw new LeaseLostError(fence.name);
        },
        emit: (event) => {
          // The task changes of one commit travel as one event, however many steps wrote them.
          const first = events.find((e) => e.kind === 'tasks');
          if (event.kind === 'tasks' && first?.kind === 'tasks')
            first.changes.push(...event.changes);
          else
            events.push(event.kind === 'tasks' ? { ...event, changes: [...event.changes] } : event);
        },
      };
      const value = await fn(tx);
      const payloads = this.payloads(events);
      if (payloads.length > 0) await db.rows(SQL.notify, [this.notify.channel, payloads]);
      return value;
    });
    for (const event of events) this.feed.emit(event);
    return result;
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
