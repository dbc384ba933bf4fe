import type { Database } from 'better-sqlite3';
import { LeaseLostError, type ChangeEvent, type LeaderFence } from '../store.js';
import type { ChangeFeed } from '../common/change-feed.js';
import { TaskCountDeltas } from './count-deltas.js';
import { prepareStatements, type Statements } from './statements.js';
import { TaskCache } from '../common/task-cache.js';
import type { Loaded } from './task-tx.js';

/**
 * What the driver's parts share: the connection, its prepared statements, transactions and
 * the change feed. Writes run in `BEGIN IMMEDIATE` transactions, so a read-decide-write never
 * races another connection; events are emitted by callers after the transaction returns.
 */
export class SqliteContext {
  private statements: Statements | null = null;
  private closed = false;
  /** Decoded tasks, by id and version, served to the hot-path writes (see TaskCache). */
  readonly tasks: TaskCache<Loaded>;
  /** The task count changes of the write under way, applied before it commits. */
  readonly counts: TaskCountDeltas;
  private readonly runTx: ((fn: () => unknown) => unknown) & {
    immediate: (fn: () => unknown) => unknown;
    deferred: (fn: () => unknown) => unknown;
  };

  constructor(
    readonly db: Database,
    private readonly feed: ChangeFeed,
  ) {
    this.runTx = db.transaction((fn: () => unknown) => fn());
    this.tasks = new TaskCache<Loaded>(() => db.inTransaction);
    this.counts = new TaskCountDeltas(db);
  }

  /** The prepared statements, prepared on first use (after the schema exists). */
  get s(): Statements {
    if (this.closed) throw new Error('the store is closed');
    this.statements ??= prepareStatements(this.db);
    return this.statements;
  }

  write<T>(fn: () => T): T {
    if (this.closed) throw new Error('the store is closed');
    // Rows an enclosing write buffered go first, outside the savepoint of this nested one, so
    // that a failing nested write drops only its own.
    if (this.db.inTransaction) this.flush();
    return this.settle(() => this.runTx.immediate(() => this.withBuffers(fn)) as T);
  }

  /**
   * Run `fn` and write the history rows and count changes it buffered before the transaction
   * commits; drop them if it throws.
   */
  private withBuffers<T>(fn: () => T): T {
    try {
      const out = fn();
      this.flush();
      return out;
    } catch (err) {
      this.statements?.history.clear();
      this.counts.clear();
      throw err;
    }
  }

  private flush(): void {
    this.statements?.history.flush();
    this.counts.flush();
  }

  /** Several reads that must see one snapshot. */
  read<T>(fn: () => T): T {
    if (this.closed) throw new Error('the store is closed');
    return this.settle(() => this.runTx.deferred(fn) as T);
  }

  /** Run a transaction; publish the task cache entries it staged once the outermost commits. */
  private settle<T>(run: () => T): T {
    const outermost = !this.db.inTransaction;
    let out: T;
    try {
      out = run();
    } catch (err) {
      this.tasks.discard();
      throw err;
    }
    if (outermost) this.tasks.commit();
    return out;
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
    this.tasks.clear();
    this.counts.clear();
    this.feed.clear();
    this.db.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
