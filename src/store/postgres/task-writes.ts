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
import type { PgContext, WriteTx } from './context.js';
import {
  changeRowToChange,
  rowToTask,
  taskToRow,
  toChange,
  type ChangeRow,
  type TaskRow,
} from './rows.js';
import { SQL } from './sql.js';
import { assignedEvent, buildTask } from '../common/task-build.js';
import { load, TaskTx, type Loaded } from './task-tx.js';
import { BATCH_CHANGED, TaskUpdates } from './task-update.js';
import { TaskCache } from '../common/task-cache.js';
import { Flows, lockFlowsOf } from './workflows.js';

/** Most overdue attempts timed out per call; the scheduler calls again while some remain. */
const EXPIRE_BATCH = 1000;

/**
 * Every task write. Each call is one transaction: lock the rows (`FOR UPDATE`, in id order
 * when there are several), let the domain decide, write the patches in batch statements, and
 * emit the collected changes once, on commit.
 */
/** Queue names remembered as stored, at most (names are user input: bound the memory). */
const MAX_REMEMBERED_QUEUES = 10_000;

export class TaskWrites {
  private readonly updates = new TaskUpdates();
  /** Workflows and fan-out, sharing this writer's batch updates. */
  readonly flow: Flows;

  /** Queues known to be stored (they are never deleted). */
  private readonly storedQueues = new Set<string>();
  /**
   * Tasks this writer placed or last wrote, at the version it wrote: a report batch on tasks all
   * found here is decided from them and written guarded by their versions, without a read.
   */
  private readonly cache = new TaskCache<Loaded>(() => false);

  constructor(private readonly ctx: PgContext) {
    this.flow = new Flows(ctx, this.updates);
  }

  /**
   * One statement inserts the batch; a (queue, idempotency key) already stored, or repeated in
   * the batch, is skipped by ON CONFLICT and answered with the stored task.
   */
  async insert(specs: NewTask[], now: number): Promise<InsertResult[]> {
    if (specs.length === 0) return [];
    const { results, queues } = await this.ctx.write(async (tx) => {
      const built = specs.map((spec) => buildTask(spec, newId(now), now));
      // Keyed rows in key order (stable: the first of a repeated key wins), so two batches
      // with the same keys in other orders wait on each other instead of deadlocking.
      const rows = built.map(taskToRow).sort(byIdempotencyKey);
      // Fresh ids never conflict: without idempotency keys every row is inserted, and the
      // insert can travel with the commit instead of costing a round trip of its own.
      let created: Set<string>;
      if (rows.some((r) => r.idempotency_key !== null)) {
        const inserted = await tx.rows<{ id: string }>(SQL.taskInsert, [JSON.stringify(rows)]);
        created = new Set(inserted.map((r) => r.id));
      } else {
        tx.defer(SQL.taskInsert, [JSON.stringify(rows)]);
        created = new Set(rows.map((r) => r.id));
      }
      const skipped = built.filter((t) => !created.has(t.id));
      const stored = new Map<string, Task>();
      if (skipped.length > 0) {
        const rows = await tx.rows<TaskRow>(SQL.taskByIdempotencyKeys, [
          skipped.map((t) => t.queue),
          skipped.map((t) => t.idempotencyKey),
        ]);
        for (const row of rows) stored.set(keyOf(row.queue, row.idempotency_key), rowToTask(row));
      }
      const tasks = new TaskTx(this.updates, now);
      const results = built.map((task): InsertResult => {
        if (created.has(task.id)) return { task, created: true };
        const existing = stored.get(keyOf(task.queue, task.idempotencyKey));
        if (!existing) throw new Error(`task ${task.id} was neither inserted nor found`);
        return { task: existing, created: false };
      });
      for (const [i, { task, created }] of results.entries()) {
        if (!created) continue;
        tasks.event({
          taskId: task.id,
          kind: 'submitted',
          attempt: 0,
          from: null,
          to: task.state,
          actor: specs[i]!.submittedBy ?? null,
          detail: null,
        });
        tasks.changes.push(toChange(task));
      }
      tasks.flush(tx);
      // Queues are never deleted, so a queue this writer saw stored needs no round trip.
      const queues = [...new Set(results.filter((r) => r.created).map((r) => r.task.queue))]
        .filter((q) => !this.storedQueues.has(q))
        .sort();
      const touched = queues.length > 0 ? await tx.rows(SQL.queueTouch, [queues]) : [];
      if (touched.length > 0) tx.emit({ kind: 'queues' });
      return { results, queues };
    });
    // Only once committed: a rolled-back touch stored nothing.
    if (this.storedQueues.size < MAX_REMEMBERED_QUEUES) {
      for (const q of queues) this.storedQueues.add(q);
    }
    return results;
  }

  act(id: string, action: OperatorAction, now: number, actor: string | null): Promise<ActResult> {
    return this.ctx.write(async (tx) => {
      lockFlowsOf(tx, [id]);
      const [row] = await tx.rows<TaskRow>(SQL.taskForUpdate, [id]);
      if (!row) return notFound(id);
      const loaded = load(row);
      const { task } = loaded;
      const decision = decideAction(task, action, now);
      if (!decision.ok) return { ok: false, code: 'conflict', reason: decision.reason };
      const tasks = new TaskTx(this.updates, now);
      const next = tasks.next(task, decision, loaded.assignedAt);
      if (!next) return { ok: true, task };
      tasks.write(loaded, next);
      tasks.event({
        taskId: id,
        kind: action,
        attempt: task.attempt,
        from: task.state,
        to: next.state,
        actor,
        detail: { action, want: next.want },
      });
      tasks.flush(tx);
      await this.flow.advance(tx, tasks.written, now);
      return { ok: true, task: next };
    });
  }

  /** One statement: due rows are claimed with SKIP LOCKED, so concurrent calls never block. */
  promoteDue(fence: LeaderFence, now: number, limit: number): Promise<number> {
    if (limit <= 0) return Promise.resolve(0);
    return this.ctx.write(async (tx) => {
      await tx.checkFence(fence);
      const rows = await tx.rows<ChangeRow>(SQL.taskPromoteDue, [now, Math.floor(limit)]);
      // Every row promoted was pending (the statement moves only those).
      for (const r of rows) tx.countMove(r.queue, 'pending', r.state);
      if (rows.length > 0) tx.emit({ kind: 'tasks', changes: rows.map(changeRowToChange) });
      return rows.length;
    });
  }

  /**
   * Let the domain decide each placement and move the tasks in one `UPDATE ... FROM
   * jsonb_to_recordset(...) WHERE state = 'ready'`, guarded by the version of each row.
   *
   * From `seen` (the tasks as the placer read them) when it holds every task named: the whole
   * transaction is then one message, with no read. If a row changed since (an operator cancelled
   * it, another leader placed it), the guarded update fails the transaction and it runs again
   * the locking way: the ready tasks are read FOR UPDATE, so a second leader racing with the same
   * fence waits on the row locks, then finds the tasks no longer ready.
   */
  async assign(
    fence: LeaderFence,
    assignments: Assignment[],
    now: number,
    seen?: readonly Task[],
  ): Promise<Task[]> {
    if (seen && assignments.length > 0) {
      const snapshot = new Map(seen.map((t) => [t.id, t]));
      if (assignments.every((a) => snapshot.has(a.taskId))) {
        try {
          return this.placed(
            await this.assignFrom(fence, assignments, now, (ids) =>
              ids.map((id) => snapshot.get(id)!).map(fromSnapshot),
            ),
            now,
          );
        } catch (err) {
          if (!changedConcurrently(err)) throw err;
        }
      }
    }
    return this.placed(
      await this.assignFrom(fence, assignments, now, async (ids, tx) =>
        (await tx.rows<TaskRow>(SQL.readyForUpdate, [ids])).map(load),
      ),
      now,
    );
  }

  /** Tasks just placed (committed): their reports are likely next. */
  private placed(moved: Task[], now: number): Task[] {
    for (const task of moved) this.cache.put({ task, assignedAt: now, readVersion: task.version });
    return moved;
  }

  private assignFrom(
    fence: LeaderFence,
    assignments: Assignment[],
    now: number,
    read: (ids: string[], tx: WriteTx) => Loaded[] | Promise<Loaded[]>,
  ): Promise<Task[]> {
    return this.ctx.write(async (tx) => {
      await tx.checkFence(fence);
      if (assignments.length === 0) return [];
      const ids = [...new Set(assignments.map((a) => a.taskId))];
      const rows = await read(ids, tx);
      const byId = new Map(rows.filter((r) => r.task.state === 'ready').map((r) => [r.task.id, r]));
      const tasks = new TaskTx(this.updates, now);
      const moved: Task[] = [];
      for (const a of assignments) {
        const loaded = byId.get(a.taskId);
        if (!loaded) continue;
        const decision = decideAssign(loaded.task, a.workerId);
        if (!decision.ok) continue;
        const next = tasks.next(loaded.task, decision, loaded.assignedAt);
        if (!next) continue;
        tasks.write(loaded, next, now);
        tasks.event(assignedEvent(next, fence));
        moved.push(next);
        byId.delete(a.taskId); // placed once: a repeat in the batch is not ready any more
      }
      tasks.flush(tx, 'ready');
      return moved;
    });
  }

  expireDeadlines(fence: LeaderFence, now: number, random: () => number): Promise<Task[]> {
    return this.decideEach(
      fence,
      now,
      (tx) => tx.rows<TaskRow>(SQL.overdueForUpdate, [now, EXPIRE_BATCH]),
      (t) => decideTimeout(t, now, random()),
    );
  }

  requeueFromWorkers(
    fence: LeaderFence,
    workerIds: string[],
    now: number,
    random: () => number,
  ): Promise<Task[]> {
    const ids = [...new Set(workerIds)];
    return this.decideEach(
      fence,
      now,
      (tx) => (ids.length > 0 ? tx.rows<TaskRow>(SQL.onWorkersForUpdate, [ids]) : []),
      (t) => decideLost(t, now, random()),
    );
  }

  /**
   * Apply reports in order; several reports of one task see each other's effects, and each task
   * is written once, at the end, guarded by the version it was decided from.
   *
   * When every task of the batch is in the cache (this writer placed or last wrote it), the
   * reports are decided from there and the transaction is one message, with no read. That is
   * kept only if every report is accepted and changes its task, so every decision is checked by
   * the guarded write: if a row changed since (an operator acted, another replica wrote it), or a
   * report would be refused or change nothing, the batch runs again the locking way: every task
   * is read FOR UPDATE, in id order (two batches naming the same tasks cannot deadlock).
   */
  async report(reports: Report[], now: number, random: () => number): Promise<ReportResult[]> {
    if (reports.length === 0) return [];
    const ids = [...new Set(reports.map((r) => r.taskId))];
    const cached = ids.map((id) => this.cache.latest(id));
    if (cached.every((c) => c !== undefined)) {
      try {
        return await this.reportFrom(reports, now, random, ids, () => cached, true);
      } catch (err) {
        if (!(err instanceof NotDecidedFromCache) && !changedConcurrently(err)) throw err;
        for (const id of ids) this.cache.forget(id);
      }
    }
    return this.reportFrom(reports, now, random, ids, async (tx) => {
      lockFlowsOf(tx, ids);
      return (await tx.rows<TaskRow>(SQL.tasksForUpdate, [ids])).map(load);
    });
  }

  private async reportFrom(
    reports: Report[],
    now: number,
    random: () => number,
    ids: string[],
    read: (tx: WriteTx) => Loaded[] | Promise<Loaded[]>,
    fromCache = false,
  ): Promise<ReportResult[]> {
    const { results, written } = await this.ctx.write(async (tx) => {
      const loaded = await read(tx);
      // Workflow and fan-out locks come first (see lockFlowsOf); a task outside both needs none.
      if (fromCache && loaded.some((l) => l.task.workflowId !== null || l.task.parentId !== null)) {
        lockFlowsOf(tx, ids);
      }
      const seen = new Map<string, Loaded & { current: Task; dirty: boolean }>();
      for (const l of loaded) seen.set(l.task.id, { ...l, current: l.task, dirty: false });
      const tasks = new TaskTx(this.updates, now);
      const results: ReportResult[] = [];
      for (const r of reports) {
        const entry = seen.get(r.taskId);
        const decision = entry ? decideReport(entry.current, r, now, random()) : null;
        if (!entry || !decision?.ok) {
          if (fromCache) throw new NotDecidedFromCache();
          results.push({ taskId: r.taskId, attempt: r.attempt, accepted: false });
          continue;
        }
        const next = tasks.next(entry.current, decision, entry.assignedAt);
        if (next) {
          entry.current = next;
          entry.dirty = true;
        } else if (fromCache) throw new NotDecidedFromCache();
        results.push({ taskId: r.taskId, attempt: r.attempt, accepted: true, task: entry.current });
      }
      // In the order the batch first named them, as the SQLite driver emits them.
      const written: Loaded[] = [];
      for (const id of ids) {
        const entry = seen.get(id);
        if (!entry?.dirty) continue;
        tasks.write(entry, entry.current);
        const { current: task, assignedAt } = entry;
        written.push({ task, assignedAt, readVersion: task.version });
      }
      tasks.flush(tx);
      await this.flow.advance(tx, tasks.written, now);
      return { results, written };
    });
    for (const w of written) this.cache.put(w);
    return results;
  }

  /** Leader: decide on each selected (and locked) task and write what changed. */
  private decideEach(
    fence: LeaderFence,
    now: number,
    select: (tx: WriteTx) => Promise<TaskRow[]> | TaskRow[],
    decide: (task: Task) => Decision,
  ): Promise<Task[]> {
    return this.ctx.write(async (tx) => {
      await tx.checkFence(fence);
      const tasks = new TaskTx(this.updates, now);
      const changed: Task[] = [];
      for (const row of await select(tx)) {
        const loaded = load(row);
        const next = tasks.next(loaded.task, decide(loaded.task), loaded.assignedAt);
        if (!next) continue;
        tasks.write(loaded, next);
        changed.push(next);
      }
      tasks.flush(tx);
      await this.flow.advance(tx, tasks.written, now);
      return changed;
    });
  }
}

/** Rows with an idempotency key first, ordered by (queue, key); the others after, as given. */
function byIdempotencyKey(a: TaskRow, b: TaskRow): number {
  if (a.idempotency_key === null || b.idempotency_key === null) {
    return (a.idempotency_key === null ? 1 : 0) - (b.idempotency_key === null ? 1 : 0);
  }
  return compare(a.queue, b.queue) || compare(a.idempotency_key, b.idempotency_key);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function keyOf(queue: string, key: string | null): string {
  return `${queue}\u0000${key ?? ''}`;
}

/**
 * A ready task as read outside the transaction. An assignment ends no attempt, so the time of
 * the last one (not part of `Task`) is not needed.
 */
function fromSnapshot(task: Task): Loaded {
  return { task, assignedAt: null, readVersion: task.version };
}

/** A report batch the cache cannot decide alone: it runs again from the locked rows. */
class NotDecidedFromCache extends Error {}

/** The guarded batch update found a row changed since it was read (see task-update.ts). */
function changedConcurrently(err: unknown): boolean {
  return (err as { code?: unknown }).code === BATCH_CHANGED;
}

function notFound(id: string): ActResult {
  return { ok: false, code: 'not_found', reason: `task ${id} not found` };
}
