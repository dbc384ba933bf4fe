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
import type { Db, PgContext, WriteTx } from './context.js';
import { rowToTask, taskToRow, toChange, type TaskRow } from './rows.js';
import { SQL, TASK_SELECT } from './sql.js';
import { load, TaskTx, type Loaded } from './task-tx.js';
import type { TaskUpdates } from './task-update.js';

/** Migration 5 of the Postgres driver: workflows, and the fan-out columns of tasks. */
export const WORKFLOWS_MIGRATION_SQL = `
  CREATE TABLE workflows (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    on_failure TEXT NOT NULL,
    -- The steps (ids, edges, conditions, compiled compensations).
    steps JSONB NOT NULL,
    error JSONB,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT,
    version INTEGER NOT NULL
  );
  CREATE INDEX workflows_state ON workflows (state, id);
  ALTER TABLE tasks ADD COLUMN parent_id TEXT COLLATE "C";
  ALTER TABLE tasks ADD COLUMN flow JSONB NOT NULL DEFAULT '{}';
  CREATE INDEX tasks_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL;
`;

const WF = {
  insert: `INSERT INTO workflows (id, name, state, on_failure, steps, error, created_at,
      updated_at, finished_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
  get: `SELECT * FROM workflows WHERE id = $1`,
  list: `SELECT * FROM workflows WHERE ($1::text IS NULL OR state = $1)
      AND ($2::text IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
  lock: `SELECT id FROM workflows WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
  update: `UPDATE workflows SET state = $2, error = $3, updated_at = $4, finished_at = $5,
      version = $6 WHERE id = $1`,
  tasks: `SELECT ${TASK_SELECT} FROM tasks WHERE workflow_id = $1 ORDER BY id`,
  tasksForUpdate: `SELECT ${TASK_SELECT} FROM tasks WHERE workflow_id = $1 ORDER BY id FOR UPDATE`,
  children: `SELECT ${TASK_SELECT} FROM tasks WHERE parent_id = $1 ORDER BY id DESC`,
  childrenForUpdate: `SELECT ${TASK_SELECT} FROM tasks WHERE parent_id = $1 ORDER BY id FOR UPDATE`,
  /**
   * The workflows of the tasks named and of their fan-out parents, locked in id order, then
   * those parents: every write that may advance a workflow takes these locks before any task's,
   * so two replicas ending steps of one workflow wait on each other instead of deadlocking.
   */
  lockFlows: `SELECT id FROM workflows WHERE id IN (
      SELECT workflow_id FROM tasks WHERE id = ANY($1::text[]) AND workflow_id IS NOT NULL
      UNION
      SELECT p.workflow_id FROM tasks c JOIN tasks p ON p.id = c.parent_id
      WHERE c.id = ANY($1::text[]) AND p.workflow_id IS NOT NULL
    ) ORDER BY id FOR UPDATE`,
  lockParents: `SELECT id FROM tasks WHERE id IN (
      SELECT parent_id FROM tasks WHERE id = ANY($1::text[]) AND parent_id IS NOT NULL
    ) ORDER BY id FOR UPDATE`,
} as const;

interface WorkflowRow {
  id: string;
  name: string;
  state: string;
  on_failure: string;
  steps: unknown;
  error: unknown;
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
    steps: r.steps as Workflow['steps'],
    error: (r.error ?? null) as Workflow['error'],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    version: r.version,
  };
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** Take the flow locks (workflows, then fan-out parents) of the tasks named; see `lockFlows`. */
export function lockFlowsOf(tx: WriteTx, taskIds: string[]): void {
  if (taskIds.length === 0) return;
  // Deferred: the locks are taken first thing in the transaction's next message.
  tx.defer(WF.lockFlows, [taskIds]);
  tx.defer(WF.lockParents, [taskIds]);
}

/**
 * Workflows and fan-out. `advance` runs inside a task write's transaction, after its task
 * writes: it follows every step or child that write ended (children unblocked or skipped,
 * fan-out parents ended, compensations started, the workflow's state) until nothing more does.
 */
export class Flows {
  constructor(
    private readonly ctx: PgContext,
    private readonly updates: TaskUpdates,
  ) {}

  create(wf: Workflow, steps: NewTask[], now: number): Promise<Task[]> {
    return this.ctx.write(async (tx) => {
      await tx.rows(WF.insert, [
        wf.id,
        wf.name,
        wf.state,
        wf.onFailure,
        JSON.stringify(wf.steps),
        json(wf.error),
        wf.createdAt,
        wf.updatedAt,
        wf.finishedAt,
        wf.version,
      ]);
      const tasks = new TaskTx(this.updates, now);
      const created = await this.insertTasks(
        tx,
        tasks,
        steps.map((s) => ({ ...s, workflowId: wf.id })),
        now,
      );
      tasks.workflows.add(wf.id);
      tasks.flush(tx);
      return created;
    });
  }

  async get(id: string, db: Db = this.ctx): Promise<Workflow | null> {
    const [row] = await db.rows<WorkflowRow>(WF.get, [id]);
    return row ? rowToWorkflow(row) : null;
  }

  async list(filter: WorkflowFilter): Promise<WorkflowListPage> {
    const limit = Math.max(1, Math.floor(filter.limit));
    const rows = await this.ctx.rows<WorkflowRow>(WF.list, [
      filter.state ?? null,
      filter.cursor ?? null,
      limit + 1,
    ]);
    const more = rows.length > limit;
    const workflows = rows.slice(0, limit).map(rowToWorkflow);
    return { workflows, nextCursor: more ? workflows[workflows.length - 1]!.id : null };
  }

  async tasks(id: string): Promise<Task[]> {
    return (await this.ctx.rows<TaskRow>(WF.tasks, [id])).map(rowToTask);
  }

  async children(parentId: string): Promise<Task[]> {
    return (await this.ctx.rows<TaskRow>(WF.children, [parentId])).map(rowToTask);
  }

  cancel(id: string, now: number, actor: string | null): Promise<WorkflowCancelResult> {
    return this.ctx.write(async (tx) => {
      await tx.rows(WF.lock, [[id]]);
      const wf = await this.get(id, tx);
      if (!wf) return { ok: false, code: 'not_found', reason: `workflow ${id} not found` };
      const rows = await tx.rows<TaskRow>(WF.tasksForUpdate, [id]);
      const loaded = rows.map(load);
      const tasks = loaded.map((l) => l.task);
      const { steps, comps } = stepTasks(tasks);
      const plan = planCancel(wf, steps, comps);
      if (!plan.workflow) {
        return {
          ok: false,
          code: 'conflict',
          reason: `a ${wf.state} workflow cannot be cancelled`,
        };
      }
      const ftx = new TaskTx(this.updates, now);
      await this.applyPlan(tx, ftx, wf, loaded, plan, actor);
      ftx.flush(tx);
      await this.advance(tx, ftx.written, now);
      return { ok: true, workflow: (await this.get(id, tx)) ?? wf };
    });
  }

  fanOut(fence: LeaderFence, fanOuts: FanOut[], now: number): Promise<Task[]> {
    return this.ctx.write(async (tx) => {
      await tx.checkFence(fence);
      const ids = [...new Set(fanOuts.map((f) => f.taskId))];
      if (ids.length === 0) return [];
      lockFlowsOf(tx, ids);
      const rows = await tx.rows<TaskRow>(SQL.readyForUpdate, [ids]);
      const byId = new Map(rows.filter((r) => r.state === 'ready').map((r) => [r.id, load(r)]));
      const tasks = new TaskTx(this.updates, now);
      const moved: Task[] = [];
      const children: NewTask[] = [];
      for (const f of fanOuts) {
        const loaded = byId.get(f.taskId);
        if (!loaded || !isFanOut(loaded.task.flow)) continue;
        byId.delete(f.taskId);
        const decision = decideFanOut(loaded.task, now);
        if (!decision.ok) continue;
        const next = tasks.next(loaded.task, decision, null);
        if (!next) continue;
        tasks.write(loaded, next);
        tasks.event({
          taskId: next.id,
          kind: 'fanOut',
          attempt: next.attempt,
          from: loaded.task.state,
          to: next.state,
          actor: null,
          detail: { children: fanOutChildren(loaded.task, f.workers).length },
        });
        children.push(...fanOutChildren(loaded.task, f.workers));
        moved.push(next);
      }
      await this.insertTasks(tx, tasks, children, now);
      tasks.flush(tx);
      // A broadcast to no worker ends at once.
      await this.advance(tx, moved, now);
      return moved;
    });
  }

  /**
   * Inside a write, after its task writes were flushed: follow what `written` calls for, round
   * by round (fan-in rounds before workflow rounds, each flushed before the next reads), until
   * nothing more follows.
   */
  async advance(tx: WriteTx, written: readonly Task[], now: number): Promise<void> {
    const workflows = new Set<string>();
    const parents = new Set<string>();
    const collect = (list: readonly Task[]) => {
      for (const t of list) {
        if (isFanOut(t.flow)) parents.add(t.id);
        if (!isTerminal(t.state)) continue;
        if (t.parentId !== null) parents.add(t.parentId);
        else if (t.workflowId !== null) workflows.add(t.workflowId);
      }
    };
    collect(written);
    while (parents.size > 0 || workflows.size > 0) {
      const ftx = new TaskTx(this.updates, now);
      if (parents.size > 0) {
        for (const id of take(parents)) {
          const [row] = await tx.rows<TaskRow>(SQL.tasksForUpdate, [[id]]);
          if (!row) continue;
          const parent = load(row);
          const kids = (await tx.rows<TaskRow>(WF.childrenForUpdate, [id])).map(load);
          const changes = resolveFanIn(
            parent.task,
            kids.map((k) => k.task),
            now,
          );
          this.applyChanges(ftx, changes, new Map([[id, parent], ...kids.map(byTask)]), null);
        }
      } else {
        const ids = take(workflows).sort();
        await tx.rows(WF.lock, [ids]);
        for (const id of ids) {
          const wf = await this.get(id, tx);
          if (!wf) continue;
          const loaded = (await tx.rows<TaskRow>(WF.tasksForUpdate, [id])).map(load);
          const { steps, comps } = stepTasks(loaded.map((l) => l.task));
          await this.applyPlan(tx, ftx, wf, loaded, planWorkflow(wf, steps, comps), null);
        }
      }
      ftx.flush(tx);
      collect(ftx.written);
    }
  }

  private async applyPlan(
    tx: WriteTx,
    ftx: TaskTx,
    wf: Workflow,
    loaded: Loaded[],
    plan: WorkflowPlan,
    actor: string | null,
  ): Promise<void> {
    const result = resolvePlan(
      wf,
      loaded.map((l) => l.task),
      plan,
      ftx.now,
    );
    this.applyChanges(ftx, result.changes, new Map(loaded.map(byTask)), actor);
    await this.insertTasks(tx, ftx, result.inserts, ftx.now);
    const w = result.workflow;
    if (w) {
      await tx.rows(WF.update, [
        w.id,
        w.state,
        json(w.error),
        w.updatedAt,
        w.finishedAt,
        w.version,
      ]);
      ftx.workflows.add(w.id);
    }
  }

  private applyChanges(
    ftx: TaskTx,
    changes: FlowChange[],
    loaded: Map<string, Loaded>,
    actor: string | null,
  ): void {
    for (const c of changes) {
      const l = loaded.get(c.task.id);
      if (!l) continue;
      // No flow decision ends an attempt, so the attempt's hand-over time is not needed.
      const next = ftx.next(c.task, c.decision, null);
      if (!next) continue;
      ftx.write(l, next);
      ftx.event({
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

  private async insertTasks(
    tx: WriteTx,
    tasks: TaskTx,
    specs: NewTask[],
    now: number,
  ): Promise<Task[]> {
    if (specs.length === 0) return [];
    const built = specs.map((spec) => buildTask(spec, newId(now), now));
    await tx.rows(SQL.taskInsert, [JSON.stringify(built.map(taskToRow))]);
    const queues = [...new Set(built.map((t) => t.queue))].sort();
    const touched = await tx.rows(SQL.queueTouch, [queues]);
    if (touched.length > 0) tx.emit({ kind: 'queues' });
    for (const task of built) {
      tasks.event({
        taskId: task.id,
        kind: 'submitted',
        attempt: 0,
        from: null,
        to: task.state,
        actor: null,
        detail: task.parentId ? { parentId: task.parentId } : null,
      });
      tasks.changes.push(toChange(task));
    }
    return built;
  }
}

function byTask(l: Loaded): [string, Loaded] {
  return [l.task.id, l];
}

function take<T>(set: Set<T>): T[] {
  const items = [...set];
  set.clear();
  return items;
}
