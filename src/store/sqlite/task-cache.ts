import { TERMINAL_STATES } from '../../domain/task.js';
import type { Loaded } from './task-tx.js';

/** Most tasks kept; past it the oldest tenth goes. */
const DEFAULT_MAX = 20_000;

/**
 * The decoded tasks this connection last read or wrote, by id, each at the version it was read
 * or written at. A hot-path write reads only the `version` column of a task and, when it matches,
 * takes the task from here instead of reading and decoding the whole row. Every write of a task
 * row bumps its version (here and from any other connection), so an entry whose version still
 * matches the row is exactly what the row holds.
 *
 * Entries put inside a transaction are staged and become visible only once the transaction
 * commits (`commit`); a rollback drops them (`discard`), so nothing uncommitted is ever served.
 * Only unfinished tasks without a result or error are kept: those are the ones the hot path reads
 * again, and their decoded form is exactly what a read of the row would build.
 */
export class TaskCache {
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
