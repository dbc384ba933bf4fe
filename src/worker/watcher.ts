import type { Want } from '../domain/task.js';
import type { AssignmentMessage } from '../protocol/worker-messages.js';

/** A task this worker is wanted to hold, and what is wanted of it. */
export interface WantedTask {
  readonly assignment: AssignmentMessage;
  want: Want;
}

/** How many finished attempts the watcher remembers, to ignore late duplicate assignments. */
const FINISHED_MEMORY = 100_000;

/**
 * The worker's cache of the server's wishes: task id → the attempt it should hold and the wanted
 * state. Fed by `assign`, `want` and `revoke`; each method returns the ids whose wish changed,
 * which the syncer then reconciles. Stale messages (about an older attempt) change nothing.
 */
export class Watcher {
  private readonly wanted = new Map<string, WantedTask>();
  /**
   * task id → highest attempt finished here, in two generations: when the young one is full it
   * becomes the old one and the old one is forgotten (O(1), unlike evicting a Map's oldest key).
   */
  private finished = new Map<string, number>();
  private finishedOld = new Map<string, number>();

  get(taskId: string): WantedTask | undefined {
    return this.wanted.get(taskId);
  }

  get size(): number {
    return this.wanted.size;
  }

  /** Every wanted task id. */
  ids(): IterableIterator<string> {
    return this.wanted.keys();
  }

  /** `(taskId, attempt)` of every wanted task. */
  list(): { taskId: string; attempt: number }[] {
    const out: { taskId: string; attempt: number }[] = [];
    for (const [taskId, w] of this.wanted) out.push({ taskId, attempt: w.assignment.attempt });
    return out;
  }

  /**
   * Take assignments. With `full`, they are the whole wanted set: every other task is dropped.
   * The same (id, attempt) again only updates the wanted state; an older attempt, or one that
   * already finished here, is ignored.
   */
  assign(tasks: readonly AssignmentMessage[], full: boolean): string[] {
    const changed: string[] = [];
    const listed = full ? new Set<string>() : null;
    for (const a of tasks) {
      listed?.add(a.id);
      if (this.finishedAttempt(a.id) >= a.attempt) continue;
      const current = this.wanted.get(a.id);
      if (current === undefined || current.assignment.attempt < a.attempt) {
        this.wanted.set(a.id, { assignment: a, want: a.want });
        changed.push(a.id);
      } else if (current.assignment.attempt === a.attempt && current.want !== a.want) {
        current.want = a.want;
        changed.push(a.id);
      }
    }
    if (listed) {
      for (const id of [...this.wanted.keys()]) {
        if (listed.has(id)) continue;
        this.wanted.delete(id);
        changed.push(id);
      }
    }
    return changed;
  }

  /** A new wanted state for an attempt; false when that attempt is not held (stale). */
  want(taskId: string, attempt: number, want: Want): boolean {
    const current = this.wanted.get(taskId);
    if (current === undefined || current.assignment.attempt !== attempt) return false;
    if (current.want === want) return false;
    current.want = want;
    return true;
  }

  /** Drop an attempt (or any older one): it is no longer this worker's. */
  revoke(taskId: string, attempt: number): boolean {
    const current = this.wanted.get(taskId);
    if (current === undefined || current.assignment.attempt > attempt) return false;
    this.wanted.delete(taskId);
    return true;
  }

  /** The attempt is over and reported: forget it, and ignore it if it is assigned again. */
  finish(taskId: string, attempt: number): void {
    const current = this.wanted.get(taskId);
    if (current !== undefined && current.assignment.attempt <= attempt) this.wanted.delete(taskId);
    this.finished.set(taskId, Math.max(attempt, this.finishedAttempt(taskId)));
    if (this.finished.size >= FINISHED_MEMORY / 2) {
      this.finishedOld = this.finished;
      this.finished = new Map();
    }
  }

  private finishedAttempt(taskId: string): number {
    return this.finished.get(taskId) ?? this.finishedOld.get(taskId) ?? 0;
  }

  /** Forget everything (the worker stopped). */
  clear(): void {
    this.wanted.clear();
  }
}
