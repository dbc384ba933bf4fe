import type { Statement } from 'better-sqlite3';
import { fanOutChildren } from '../../domain/fanout.js';
import { decideFanOut } from '../../domain/state-machine.js';
import { isFanOut, isTerminal, type NewTask, type Task } from '../../domain/task.js';
import { planCancel, planWorkflow, type WorkflowPlan } from '../../domain/workflow-plan.js';
import type { Workflow } from '../../domain/workflow.js';
import { newId } from '../../lib/ids.js';
import { buildTask } from '../common/task-build.js';
import { resolveFanIn, resolvePlan, stepTasks, type FlowChange } from '../common/flow.js';
import type {
  FanOut,
  LeaderFence,
  WorkflowCancelResult,
  WorkflowFilter,
  WorkflowListPage,
} from '../store.js';
import type { SqliteContext } from './context.js';
import { fromJson, rowToTask, taskToInsertParams, toChange, type TaskRow } from './rows.js';
import { prepareTaskRead, TASK_SELECT, type Stmt } from './statements.js';
import { load, TaskTx } from './task-tx.js';
import type { TaskUpdates } from './task-update.js';

/** Migration 5 of the SQLite driver: workflows, and the fan-out columns of tasks. */
export const WORKFLOWS_MIGRATION_SQL = `
  CREATE TABLE workflows (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    on_failure TEXT NOT NULL,
    -- The steps (ids, edges, conditions, compiled compensations) as JSON.
    steps TEXT NOT NULL,
    error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER,
    version INTEGER NOT NULL
  );
  CREATE INDEX workflows_state ON workflows (state, id);
  ALTER TABLE tasks ADD COLUMN parent_id TEXT;
  ALTER TABLE tasks ADD COLUMN flow TEXT NOT NULL DEFAULT '{}';
  CREATE INDEX tasks_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL;
`;

interface WorkflowRow {
  id: string;
  name: string;
  state: string;
  on_failure: string;
  steps: string;
  error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  version: number;
}

function rowToWorkflow(r: WorkflowRow): Workflow {
  return {
    id: r.id,
    name: r.name,
    state: r.state as Workflow['state'],
    onFailure: r.on_failure as Workflow['onFailure'],
    steps: JSON.parse(r.steps) as Workflow['steps'],
    error: fromJson(r.error),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    version: r.version,
  };
}

/**
 * Workflows and fan-out. `advance` runs inside a task write's transaction: it follows every
 * step or child that write ended (children unblocked or skipped, fan-out parents ended,
 * compensations started, the workflow's state) until nothing more follows.
 */
export class Flows {
  private readonly cache = new Map<string, Statement>();
  private readonly taskReads = new Map<string, Stmt<unknown[], TaskRow>>();

  constructor(
    private readonly ctx: SqliteContext,
    private readonly updates: TaskUpdates,
  ) {}

  private stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.ctx.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  private tasksWhere(where: string, ...params: unknown[]): Task[] {
    const sql = `SELECT ${TASK_SELECT} FROM tasks WHERE ${where}`;
    let s = this.taskReads.get(sql);
    if (!s) {
      s = prepareTaskRead<unknown[]>(this.ctx.db, sql);
      this.taskReads.set(sql, s);
    }
    return s.all(...params).map(rowToTask);
  }

  create(wf: Workflow, steps: NewTask[], now: number): Task[] {
    const { s } = this.ctx;
    const { tasks, tx } = this.ctx.write(() => {
      const tx = new TaskTx(s, this.updates, now);
      this.stmt(
        `INSERT INTO workflows (id, name, state, on_failure, steps, error, created_at,
          updated_at, finished_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        wf.id,
        wf.name,
        wf.state,
        wf.onFailure,
        JSON.stringify(wf.steps),
        wf.error === null ? null : JSON.stringify(wf.error),
        wf.createdAt,
        wf.updatedAt,
        wf.finishedAt,
        wf.version,
      );
      const tasks = steps.map((spec) => this.insertTask(tx, { ...spec, workflowId: wf.id }, now));
      tx.workflows.add(wf.id);
      return { tasks, tx };
    });
    this.emit(tx);
    return tasks;
  }

  get(id: string): Workflow | null {
    const row = this.stmt('SELECT * FROM workflows WHERE id = ?').get(id) as
      WorkflowRow | undefined;
    return row ? rowToWorkflow(row) : null;
  }

  list(filter: WorkflowFilter): WorkflowListPage {
    const limit = Math.max(1, Math.floor(filter.limit));
    const rows = this.stmt(
      `SELECT * FROM workflows WHERE (@state IS NULL OR state = @state)
        AND (@cursor IS NULL OR id < @cursor) ORDER BY id DESC LIMIT @limit`,
    ).all({
      state: filter.state ?? null,
      cursor: filter.cursor ?? null,
      limit: limit + 1,
    }) as WorkflowRow[];
    const more = rows.length > limit;
    const workflows = rows.slice(0, limit).map(rowToWorkflow);
    return { workflows, nextCursor: more ? workflows[workflows.length - 1]!.id : null };
  }

  tasks(id: string): Task[] {
    return this.tasksWhere('workflow_id = ? ORDER BY id', id);
  }

  children(parentId: string): Task[] {
    return this.tasksWhere('parent_id = ? ORDER BY id DESC', parentId);
  }

  cancel(id: string, now: number, actor: string | null): WorkflowCancelResult {
    const { s } = this.ctx;
    const { result, tx } = this.ctx.write(() => {
      const tx = new TaskTx(s, this.updates, now);
      const wf = this.get(id);
      if (!wf) {
        return {
          result: { ok: false, code: 'not_found', reason: `workflow ${id} not found` } as const,
          tx,
        };
      }
      const tasks = this.tasks(id);
      const { steps, comps } = stepTasks(tasks);
      const plan = planCancel(wf, steps, comps);
      if (!plan.workflow) {
        const reason = `a ${wf.state} workflow cannot be cancelled`;
        return { result: { ok: false, code: 'conflict', reason } as const, tx };
      }
      const next = this.applyPlan(tx, wf, tasks, plan, actor);
      this.advance(tx);
      return { result: { ok: true, workflow: this.get(id) ?? next ?? wf } as const, tx };
    });
    this.emit(tx);
    return result;
  }

  fanOut(fence: LeaderFence, fanOuts: FanOut[], now: number): Task[] {
    const { s } = this.ctx;
    const { moved, tx } = this.ctx.write(() => {
      this.ctx.checkFence(fence);
      const tx = new TaskTx(s, this.updates, now);
      const moved: Task[] = [];
      for (const f of fanOuts) {
        const loaded = load(s.taskGet.get(f.taskId));
        if (!loaded || !isFanOut(loaded.task.flow)) continue;
        const decision = decideFanOut(loaded.task, now);
        if (!decision.ok) continue;
        const children = fanOutChildren(loaded.task, f.workers);
        const next = tx.next(loaded.task, decision, null);
        if (!next) continue;
        tx.write(next);
        tx.event({
          taskId: next.id,
          kind: 'fanOut',
          attempt: next.attempt,
          from: loaded.task.state,
          to: next.state,
          actor: null,
          detail: { children: children.length },
        });
        for (const c of children) this.insertTask(tx, c, now);
        moved.push(next);
      }
      // A broadcast to no worker ends at once.
      this.advance(tx, moved);
      return { moved, tx };
    });
    this.emit(tx);
    return moved;
  }

  /**
   * Inside a write: follow what the tasks written so far (and `extra`) call for, until nothing
   * more follows. Each plan is a fixed point, so this ends after a few rounds.
   */
  advance(tx: TaskTx, extra: readonly Task[] = []): void {
    const workflows = new Set<string>();
    const parents = new Set<string>();
    let seen = 0;
    const collect = (list: readonly Task[]) => {
      for (const t of list) {
        if (isFanOut(t.flow)) parents.add(t.id);
        if (!isTerminal(t.state)) continue;
        if (t.parentId !== null) parents.add(t.parentId);
        else if (t.workflowId !== null) workflows.add(t.workflowId);
      }
    };
    collect(extra);
    for (;;) {
      collect(tx.written.slice(seen));
      seen = tx.written.length;
      if (parents.size === 0 && workflows.size === 0) return;
      for (const id of take(parents)) {
        const parent = this.tasksWhere('id = ?', id)[0];
        if (!parent) continue;
        this.applyChanges(tx, resolveFanIn(parent, this.children(id), tx.now), null);
      }
      for (const id of take(workflows)) {
        const wf = this.get(id);
        if (!wf) continue;
        const tasks = this.tasks(id);
        const { steps, comps } = stepTasks(tasks);
        this.applyPlan(tx, wf, tasks, planWorkflow(wf, steps, comps), null);
      }
    }
  }

  private applyPlan(
    tx: TaskTx,
    wf: Workflow,
    tasks: Task[],
    plan: WorkflowPlan,
    actor: string | null,
  ): Workflow | null {
    const result = resolvePlan(wf, tasks, plan, tx.now);
    this.applyChanges(tx, result.changes, actor);
    for (const spec of result.inserts) this.insertTask(tx, spec, tx.now);
    if (result.workflow) {
      const w = result.workflow;
      this.stmt(
        `UPDATE workflows SET state = ?, error = ?, updated_at = ?, finished_at = ?, version = ?
          WHERE id = ?`,
      ).run(
        w.state,
        w.error === null ? null : JSON.stringify(w.error),
        w.updatedAt,
        w.finishedAt,
        w.version,
        w.id,
      );
      tx.workflows.add(w.id);
    }
    return result.workflow;
  }

  private applyChanges(tx: TaskTx, changes: FlowChange[], actor: string | null): void {
    for (const c of changes) {
      // No flow decision ends an attempt, so the attempt's hand-over time is not needed.
      const next = tx.next(c.task, c.decision, null);
      if (!next) continue;
      tx.write(next);
      tx.event({
        taskId: next.id,
        kind: c.kind,
        attempt: next.attempt,
        from: c.task.state,
        to: next.state,
        actor,
        detail: c.detail,
      });
    }
  }

  private insertTask(tx: TaskTx, spec: NewTask, now: number): Task {
    const { s } = this.ctx;
    const task = buildTask(spec, newId(now), now);
    s.taskInsert.run(taskToInsertParams(task));
    s.queueTouch.run(task.queue);
    tx.event({
      taskId: task.id,
      kind: 'submitted',
      attempt: 0,
      from: null,
      to: task.state,
      actor: null,
      detail: task.parentId ? { parentId: task.parentId } : null,
    });
    tx.changes.push(toChange(task));
    return task;
  }

  private emit(tx: TaskTx): void {
    if (tx.changes.length > 0) this.ctx.emit({ kind: 'tasks', changes: tx.changes });
    if (tx.workflows.size > 0) this.ctx.emit({ kind: 'workflows', ids: [...tx.workflows] });
  }
}

function take<T>(set: Set<T>): T[] {
  const items = [...set];
  set.clear();
  return items;
}
