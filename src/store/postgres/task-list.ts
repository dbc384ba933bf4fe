import type { TaskFilter } from '../store.js';
import type { Db } from './context.js';
import type { TaskRow } from './rows.js';
import { TASK_SELECT } from './sql.js';

/**
 * The task listing: newest first, keyset-paged by id. Its SQL depends on which filters are
 * set; parameters are numbered in the order the filters are added.
 */
export function listTasks(db: Db, filter: TaskFilter): Promise<TaskRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.states !== undefined) where.push(`state = ANY(${param(filter.states)}::text[])`);
  if (filter.queue !== undefined) where.push(`queue = ${param(filter.queue)}`);
  if (filter.type !== undefined) where.push(`type = ${param(filter.type)}`);
  if (filter.workflowId !== undefined) where.push(`workflow_id = ${param(filter.workflowId)}`);
  if (filter.label !== undefined) {
    const [key, value] = filter.label;
    where.push(`labels @> jsonb_build_object(${param(key)}::text, ${param(value)}::text)`);
  }
  if (filter.cursor !== undefined) where.push(`id < ${param(filter.cursor)}`);
  const limit = param(Math.max(1, Math.floor(filter.limit)) + 1);
  const sql =
    `SELECT ${TASK_SELECT} FROM tasks` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY id DESC LIMIT ${limit}`;
  return db.rows<TaskRow>(sql, params);
}
