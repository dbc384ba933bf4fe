import type { Report } from '../../domain/state-machine.js';

type Started = Extract<Report, { kind: 'started' }>;

/**
 * A worker's `started` reports, held back for a moment so that most are written together with
 * the next report of the same attempt: a short task's start and end then cost one write of its
 * row, not two. A held start is written before any later report of its task (so each task's
 * reports keep their order), or when it has waited `holdMs` (then `onDue` is called), or when
 * the session ends. It carries the time it was heard (`at`), from which the attempt's start and
 * deadline count, however late it is written.
 *
 * Holding a start loses nothing the worker relies on: a worker is told only of final reports
 * written, and until the start is written the task is `assigned` on that worker, which keeps it
 * there exactly as `running` does.
 */
export class HeldStarts {
  private readonly held = new Map<string, Started>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly holdMs: number,
    private readonly onDue: () => void,
  ) {}

  /**
   * The reports to write now, in order: each with the held start of its task before it. The
   * starts among `reports` are held instead (all written at once when `holdMs` is 0).
   */
  take(reports: Report[], now: number): Report[] {
    if (this.holdMs <= 0 && this.held.size === 0) return reports;
    const out: Report[] = [];
    for (const r of reports) {
      const held = this.held.get(r.taskId);
      if (r.kind === 'started' && this.holdMs > 0) {
        if (held?.attempt === r.attempt) continue; // sent again: the first one stands
        if (held) out.push(held);
        this.held.set(r.taskId, { ...r, at: now });
        continue;
      }
      if (held) {
        this.held.delete(r.taskId);
        out.push(held);
      }
      out.push(r);
    }
    if (this.held.size > 0 && this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.onDue();
      }, this.holdMs);
      this.timer.unref();
    }
    return out;
  }

  /** Every held start, oldest first; none is held afterwards. */
  drain(): Report[] {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const out = [...this.held.values()];
    this.held.clear();
    return out;
  }

  /** Whether the start of this attempt is held (heard, not yet written). */
  holds(taskId: string, attempt: number): boolean {
    return this.held.get(taskId)?.attempt === attempt;
  }

  get size(): number {
    return this.held.size;
  }
}
