import type { Database } from 'better-sqlite3';
import { LeaseLostError, type ChangeEvent, type LeaderFence } from '../store.js';
import type { ChangeFeed } from '../common/change-feed.js';
import { prepareStatements, type Statements } from './statements.js';

/**
 * What the driver's parts share: the connection, its prepared statements, transactions and
 * the change feed. Writes run in `BEGIN IMMEDIATE` transactions, so a read-decide-write never
 * races another connection; events are emitted by callers after the transaction returns.
 */
export class SqliteContext {
  private statements: Statements | null = null;
  private closed = false;
  private readonly runTx: ((fn: () => unknown) => unknown) & {
    immediate: (fn: () => unknown) => unknown;
    deferred: (fn: () => unknown) => unknown;
  };

  constructor(
    readonly db: Database,
    private readonly feed: ChangeFeed,
  ) {
    this.runTx = db.transaction((fn: () => unknown) => fn());
  }

  /** The prepared statements, prepared on first use (after the schema exists). */
  get s(): Statements {
    if (this.closed) throw new Error('the store is closed');
    this.statements ??= prepareStatements(this.db);
    return this.statements;
  }

  write<T>(fn: () => T): T {
    if (this.closed) throw new Error('the store is closed');
    return this.runTx.immediate(fn) as T;
  }

  /** Several reads that must see one snapshot. */
  read<T>(fn: () => T): T {
    if (this.closed) throw new Error('the store is closed');
    return this.runTx.deferred(fn) as T;
  }

  emit(event: ChangeEvent): void {
    this.feed.emit(event);
  }

  /** Inside a write: throw LeaseLostError unless the fence is exactly the current lease. */
  checkFence(fence: LeaderFence): void {
    if (!this.s.leaseCheck.get(fence.name, fence.holder, fence.token)) {
      throw new LeaseLostError(fence.name);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.statements = null;
    this.feed.clear();
    this.db.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
