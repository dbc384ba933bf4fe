import { TERMINAL_STATES, type Task } from '../../domain/task.js';

/** Most tasks kept; past it the oldest tenth goes. */
const DEFAULT_MAX = 20_000;

/**
 * The decoded tasks a driver last read or wrote, by id, each at the version it was read or
 * written at. A hot-path write takes the task from here instead of reading and decoding the
 * whole row: SQLite reads only the `version` column and uses the entry when it matches; Postgres
 * decides from the entry and writes guarded by its version. Every write of a task row bumps its
 * version (from any connection or replica), so an entry whose version still matches the row is
 * exactly what the row holds.
 *
 * Entries put inside a transaction are staged and become visible only once the transaction
 * commits (`commit`); a rollback drops them (`discard`), so nothing uncommitted is ever served.
 * Only unfinished tasks without a result or error are kept: those are the ones the hot path reads
 * again, and their decoded form is exactly what a read of the row would build.
 */
export class TaskCache<Loaded extends { task: Task }> {
  private readonly entries = new Map<string, Loaded>();
  private staged: Map<string, Loaded | null> | null = null;

  constructor(
    private readonly inTransaction: () => boolean,
    private readonly max: number = DEFAULT_MAX,
  ) {}

  /** The task `id` at exactly `version`, if kept. */
  get(id: string, version: number): Loaded | undefined {
    const entry = this.entries.get(id);
    return entry !== undefined && entry.task.version === version ? entry : undefined;
  }

  /** The task `id` at the version last kept, if kept. */
  latest(id: string): Loaded | undefined {
    return this.entries.get(id);
  }

  /** Forget the task `id` (its row changed in a way this cache did not see). */
  forget(id: string): void {
    this.entries.delete(id);
  }

  /** Keep `loaded` (or forget its task when it is not worth keeping). */
  put(loaded: Loaded): void {
    const { task } = loaded;
    const keep = !TERMINAL_STATES.has(task.state) && task.result === null && task.error === null;
    if (this.inTransaction()) {
      this.staged ??= new Map();
      this.staged.set(task.id, keep ? loaded : null);
    } else this.set(task.id, keep ? loaded : null);
  }

  /** The transaction committed: its entries become visible. */
  commit(): void {
    const staged = this.staged;
    if (staged === null) return;
    this.staged = null;
    for (const [id, loaded] of staged) this.set(id, loaded);
  }

  /** The transaction rolled back: drop what it staged. */
  discard(): void {
    this.staged = null;
  }

  clear(): void {
    this.entries.clear();
    this.staged = null;
  }

  get size(): number {
    return this.entries.size;
  }

  private set(id: string, loaded: Loaded | null): void {
    this.entries.delete(id); // re-inserted last: the map's order is the age of the entries
    if (loaded === null) return;
    this.entries.set(id, loaded);
    if (this.entries.size > this.max) {
      // The oldest tenth at once: one walk from the front per many puts.
      let drop = Math.max(1, Math.floor(this.max / 10));
      for (const key of this.entries.keys()) {
        this.entries.delete(key);
        if (--drop === 0) break;
      }
    }
  }
}
