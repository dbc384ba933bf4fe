import type { Assignment } from '../../domain/placement.js';
import {
  decideAction,
  decideAssign,
  decideLost,
  decideReport,
  decideTimeout,
  type Decision,
  type OperatorAction,
  type Report,
} from '../../domain/state-machine.js';
import type { NewTask, Task } from '../../domain/task.js';
import { newId } from '../../lib/ids.js';
import type { ActResult, InsertResult, LeaderFence, ReportResult } from '../store.js';
import type { SqliteContext } from './context.js';
import { changeRowToChange, taskToInsertValues, toChange, type TaskRow } from './rows.js';
import { assignedEvent, buildTask } from '../common/task-build.js';
import { load, TaskTx, type Loaded } from './task-tx.js';
import { TaskUpdates } from './task-update.js';
import { Flows } from './workflows.js';

/** Most overdue attempts timed out per call; the scheduler calls again while some remain. */
const EXPIRE_BATCH = 1000;

/**
 * Every task write. Each call is one transaction: read the rows, let the domain decide, write
 * the patches, and emit the collected changes once, after commit.
 */
export class TaskWrites {
  /** Queues known to have a row in `queues` (rows are never deleted). */
  private readonly knownQueues = new Set<string>();
  private readonly updates: TaskUpdates;

  private readonly flows: Flows;

  constructor(private readonly ctx: SqliteContext) {
    this.updates = new TaskUpdates(ctx.db, ctx.counts);
    this.flows = new Flows(ctx, this.updates);
  }

  /** Workflows and fan-out, sharing this writer's statements. */
  get flow(): Flows {
    return this.flows;
  }

  insert(specs: NewTask[], now: number): InsertResult[] {
    if (specs.length === 0) return [];
    const { s } = this.ctx;
    const touched: string[] = [];
    const { results, tx } = this.ctx.write(() => {
      const tx = new TaskTx(s, this.updates, now);
      const results: InsertResult[] = [];
      // New rows are inserted many per statement; before a lookup by idempotency key, so that
      // it sees every task of this batch inserted so far.
      let rows: unknown[][] = [];
      const insertRows = () => {
        if (rows.length > 0) s.taskInsertMany.run(rows);
        rows = [];
      };
      for (const spec of specs) {
        if (spec.idempotencyKey !== null) {
          insertRows();
          const existing = load(s.taskByIdempotencyKey.get(spec.queue, spec.idempotencyKey));
          if (existing) {
            results.push({ task: existing.task, created: false });
            continue;
          }
        }
        const task = buildTask(spec, newId(now), now);
        rows.push(taskToInsertValues(task));
        // Placement reads a ready task next; one due later is left to be read when it is due.
        if (task.state === 'ready') this.ctx.tasks.put({ task, assignedAt: null });
        tx.event({
          taskId: task.id,
          kind: 'submitted',
          attempt: 0,
          from: null,
          to: task.state,
          actor: spec.submittedBy ?? null,
          detail: null,
        });
        tx.changes.push(toChange(task));
        results.push({ task, created: true });
        if (!this.knownQueues.has(task.queue) && !touched.includes(task.queue)) {
          if (s.queueTouch.run(task.queue).changes > 0) touched.push(task.queue);
          else this.knownQueues.add(task.queue);
        }
      }
      insertRows();
      return { results, tx };
    });
    for (const q of touched) this.knownQueues.add(q);
    this.emitTasks(tx);
    if (touched.length > 0) this.ctx.emit({ kind: 'queues' });
    return results;
  }

  act(id: string, action: OperatorAction, now: number, actor: string | null): ActResult {
    const { s } = this.ctx;
    const { result, tx } = this.ctx.write(() => {
      const tx = new TaskTx(s, this.updates, now);
      const loaded = load(s.taskGet.get(id));
      if (!loaded) {
        return { result: notFound(id), tx };
      }
      const { task } = loaded;
      const decision = decideAction(task, action, now);
      if (!decision.ok) {
        return { result: { ok: false, code: 'conflict', reason: decision.reason } as const, tx };
      }
      const next = tx.next(task, decision, loaded.assignedAt);
      if (!next) return { result: { ok: true, task } as const, tx };
      tx.write(next);
      tx.event({
        taskId: id,
        kind: action,
        attempt: task.attempt,
        from: task.state,
        to: next.state,
        actor,
        detail: { action, want: next.want },
      });
      this.flows.advance(tx);
      return { result: { ok: true, task: next } as const, tx };
    });
    this.emitTasks(tx);
    return result;
  }

  promoteDue(fence: LeaderFence, now: number, limit: number): number {
    if (limit <= 0) return 0;
    const rows = this.ctx.write(() => {
      this.ctx.checkFence(fence);
      const rows = this.ctx.s.taskPromoteDue.all({ now, limit: Math.floor(limit) });
      // Every row promoted was pending (the statement selects only those).
      for (const r of rows) this.ctx.counts.move(r.queue, 'pending', r.state);
      return rows;
    });
    if (rows.length > 0) this.ctx.emit({ kind: 'tasks', changes: rows.map(changeRowToChange) });
    return rows.length;
  }

  assign(fence: LeaderFence, assignments: Assignment[], now: number): Task[] {
    const { s } = this.ctx;
    const { moved, tx } = this.ctx.write(() => {
      this.ctx.checkFence(fence);
      const tx = new TaskTx(s, this.updates, now);
      const moved: Task[] = [];
      const tasks = this.loadMany(assignments.map((a) => a.taskId));
      for (const a of assignments) {
        const loaded = tasks.get(a.taskId);
        if (!loaded) continue;
        const decision = decideAssign(loaded.task, a.workerId);
        if (!decision.ok) continue;
        const next = tx.next(loaded.task, decision, loaded.assignedAt);
        if (!next) continue;
        tx.write(next, now);
        tx.event(assignedEvent(next, fence));
        moved.push(next);
        // A second assignment of the task in this batch sees this one.
        const written = { task: next, assignedAt: now };
        tasks.set(a.taskId, written);
        this.ctx.tasks.put(written);
      }
      return { moved, tx };
    });
    this.emitTasks(tx);
    return moved;
  }

  expireDeadlines(fence: LeaderFence, now: number, random: () => number): Task[] {
    return this.decideEach(
      fence,
      now,
      () => this.ctx.s.taskOverdue.all(now, EXPIRE_BATCH),
      (t) => decideTimeout(t, now, random()),
    );
  }

  requeueFromWorkers(
    fence: LeaderFence,
    workerIds: string[],
    now: number,
    random: () => number,
  ): Task[] {
    const ids = JSON.stringify([...new Set(workerIds)]);
    return this.decideEach(
      fence,
      now,
      () => this.ctx.s.taskOnWorkers.all(ids),
      (t) => decideLost(t, now, random()),
    );
  }

  report(reports: Report[], now: number, random: () => number): ReportResult[] {
    if (reports.length === 0) return [];
    const { s } = this.ctx;
    const { results, tx } = this.ctx.write(() => {
      const tx = new TaskTx(s, this.updates, now);
      // Several reports of one task in a batch see each other's effects; each task is
      // written once, at the end.
      const seen = new Map<string, Loaded & { dirty: boolean }>();
      const results: ReportResult[] = [];
      const tasks = this.loadMany(reports.map((r) => r.taskId));
      for (const r of reports) {
        let entry = seen.get(r.taskId);
        if (!entry) {
          const loaded = tasks.get(r.taskId);
          if (!loaded) {
            results.push({ taskId: r.taskId, attempt: r.attempt, accepted: false });
            continue;
          }
          entry = { ...loaded, dirty: false };
          seen.set(r.taskId, entry);
        }
        const decision = decideReport(entry.task, r, now, random());
        if (!decision.ok) {
          results.push({ taskId: r.taskId, attempt: r.attempt, accepted: false });
          continue;
        }
        const next = tx.next(entry.task, decision, entry.assignedAt);
        if (next) {
          entry.task = next;
          entry.dirty = true;
        }
        results.push({ taskId: r.taskId, attempt: r.attempt, accepted: true, task: entry.task });
      }
      for (const entry of seen.values()) {
        if (!entry.dirty) continue;
        tx.write(entry.task);
        this.ctx.tasks.put({ task: entry.task, assignedAt: entry.assignedAt });
      }
      this.flows.advance(tx);
      return { results, tx };
    });
    this.emitTasks(tx);
    return results;
  }

  /**
   * Inside a write: the tasks `ids` name that exist, as of now. Reads only the version of each
   * row, and the whole row of those the task cache does not hold at that version.
   */
  private loadMany(ids: string[]): Map<string, Loaded> {
    const { s, tasks: cache } = this.ctx;
    const out = new Map<string, Loaded>();
    if (ids.length === 0) return out;
    const unique = [...new Set(ids)];
    const missing: string[] = [];
    for (const { id, version } of s.taskVersions.all(JSON.stringify(unique))) {
      const hit = cache.get(id, version);
      if (hit) out.set(id, hit);
      else missing.push(id);
    }
    if (missing.length > 0) {
      for (const row of s.taskGetMany.all(JSON.stringify(missing))) {
        const loaded = load(row)!;
        out.set(row.id, loaded);
        cache.put(loaded);
      }
    }
    return out;
  }

  /** Leader: decide on each selected task and write what changed. */
  private decideEach(
    fence: LeaderFence,
    now: number,
    select: () => TaskRow[],
    decide: (task: Task) => Decision,
  ): Task[] {
    const { s } = this.ctx;
    const { changed, tx } = this.ctx.write(() => {
      this.ctx.checkFence(fence);
      const tx = new TaskTx(s, this.updates, now);
      const changed: Task[] = [];
      for (const row of select()) {
        const loaded = load(row)!;
        const next = tx.next(loaded.task, decide(loaded.task), loaded.assignedAt);
        if (!next) continue;
        tx.write(next);
        changed.push(next);
      }
      this.flows.advance(tx);
      return { changed, tx };
    });
    this.emitTasks(tx);
    return changed;
  }

  private emitTasks(tx: TaskTx): void {
    if (tx.changes.length > 0) this.ctx.emit({ kind: 'tasks', changes: tx.changes });
    if (tx.workflows.size > 0) this.ctx.emit({ kind: 'workflows', ids: [...tx.workflows] });
  }
}

function notFound(id: string): ActResult {
  return { ok: false, code: 'not_found', reason: `task ${id} not found` };
}
