import { isTerminal, type TaskState } from '../../domain/task.js';
import type { FlowPruneResult, LeaderFence } from '../store.js';
import {
  PRUNABLE_FAN_OUT_WHERE,
  PRUNABLE_WHERE,
  PRUNABLE_WORKFLOW_WHERE,
  TASK_CHILD_TABLES,
} from '../common/retention.js';
import type { PgContext, WriteTx } from './context.js';

const SELECT_PRUNABLE = `SELECT t.id FROM tasks t WHERE ${PRUNABLE_WHERE.replace(':before', '$1')}
  ORDER BY t.finished_at LIMIT $2 FOR UPDATE SKIP LOCKED`;

const SELECT_WORKFLOWS = `SELECT w.id FROM workflows w
  WHERE ${PRUNABLE_WORKFLOW_WHERE.replace(':before', '$1')}
  ORDER BY w.finished_at LIMIT $2 FOR UPDATE SKIP LOCKED`;

const SELECT_FAN_OUTS = `SELECT t.id FROM tasks t WHERE ${PRUNABLE_FAN_OUT_WHERE.replace(':before', '$1')}
  ORDER BY t.finished_at LIMIT $2 FOR UPDATE SKIP LOCKED`;

/** leader: delete up to `limit` finished tasks older than `before`, with their history. */
export function pruneTasks(
  ctx: PgContext,
  fence: LeaderFence,
  before: number,
  limit: number,
): Promise<number> {
  if (limit <= 0) return Promise.resolve(0);
  return ctx.write(async (tx) => {
    await tx.checkFence(fence);
    const rows = await tx.rows<{ id: string }>(
      `DELETE FROM tasks WHERE id = ANY(ARRAY(${SELECT_PRUNABLE})) RETURNING id`,
      [before, Math.floor(limit)],
    );
    if (rows.length === 0) return 0;
    await deleteHistory(
      tx,
      rows.map((r) => r.id),
    );
    return rows.length;
  });
}

interface Member {
  id: string;
  /** The workflow or fan-out parent it belongs to. */
  owner: string;
  state: TaskState;
}

/**
 * leader: delete up to `limit` finished workflows and up to `limit` finished fan-out parents
 * outside workflows older than `before`, each with all of its tasks and their history. The
 * tasks are locked and checked again: one an operator retried since the selection keeps its
 * workflow or parent for a later pass.
 */
export function pruneFlows(
  ctx: PgContext,
  fence: LeaderFence,
  before: number,
  limit: number,
): Promise<FlowPruneResult> {
  if (limit <= 0) return Promise.resolve({ workflows: 0, fanOuts: 0, tasks: 0 });
  return ctx.write(async (tx) => {
    await tx.checkFence(fence);
    const params = [before, Math.floor(limit)];
    const workflows = (await tx.rows<{ id: string }>(SELECT_WORKFLOWS, params)).map((r) => r.id);
    const parents = (await tx.rows<{ id: string }>(SELECT_FAN_OUTS, params)).map((r) => r.id);
    const steps = await members(tx, 'workflow_id', workflows);
    const children = await members(tx, 'parent_id', [...steps.map((s) => s.id), ...parents]);
    // A child counts against its step's workflow, or against its parent outside workflows.
    const workflowOf = new Map(steps.map((s) => [s.id, s.owner]));
    const unfinished = new Set<string>();
    for (const m of [...steps, ...children]) {
      if (!isTerminal(m.state)) unfinished.add(workflowOf.get(m.owner) ?? m.owner);
    }
    const goneWorkflows = workflows.filter((id) => !unfinished.has(id));
    const goneParents = parents.filter((id) => !unfinished.has(id));
    const gone = new Set([...goneWorkflows, ...goneParents]);
    const ownerOf = (m: Member) => workflowOf.get(m.owner) ?? m.owner;
    const tasks = [
      ...steps.filter((s) => gone.has(s.owner)).map((s) => s.id),
      ...goneParents,
      ...children.filter((c) => gone.has(ownerOf(c))).map((c) => c.id),
    ];
    if (tasks.length > 0) {
      await tx.rows('DELETE FROM tasks WHERE id = ANY($1::text[])', [tasks]);
      await deleteHistory(tx, tasks);
    }
    if (goneWorkflows.length > 0) {
      await tx.rows('DELETE FROM workflows WHERE id = ANY($1::text[])', [goneWorkflows]);
    }
    return { workflows: goneWorkflows.length, fanOuts: goneParents.length, tasks: tasks.length };
  });
}

/** The tasks whose `column` is one of `owners`, locked. */
async function members(
  tx: WriteTx,
  column: 'workflow_id' | 'parent_id',
  owners: string[],
): Promise<Member[]> {
  if (owners.length === 0) return [];
  return tx.rows<Member>(
    `SELECT id, ${column} AS owner, state FROM tasks WHERE ${column} = ANY($1::text[])
     ORDER BY id FOR UPDATE`,
    [owners],
  );
}

async function deleteHistory(tx: WriteTx, ids: string[]): Promise<void> {
  for (const table of TASK_CHILD_TABLES) {
    await tx.rows(`DELETE FROM ${table} WHERE task_id = ANY($1::text[])`, [ids]);
  }
}
