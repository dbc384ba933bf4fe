import type { LeaderFence } from '../store.js';
import { PRUNABLE_WHERE, TASK_CHILD_TABLES } from '../common/retention.js';
import type { SqliteContext } from './context.js';

/** leader: delete up to `limit` finished tasks older than `before`, with their history. */
export function pruneTasks(
  ctx: SqliteContext,
  fence: LeaderFence,
  before: number,
  limit: number,
): number {
  if (limit <= 0) return 0;
  return ctx.write(() => {
    ctx.checkFence(fence);
    const ids = (
      ctx.db
        .prepare(
          `SELECT t.id FROM tasks t WHERE ${PRUNABLE_WHERE.replace(':before', '@before')}
           ORDER BY t.finished_at LIMIT @limit`,
        )
        .all({ before, limit: Math.floor(limit) }) as { id: string }[]
    ).map((r) => r.id);
    if (ids.length === 0) return 0;
    const list = JSON.stringify(ids);
    for (const table of [...TASK_CHILD_TABLES, 'tasks'] as const) {
      const column = table === 'tasks' ? 'id' : 'task_id';
      ctx.db
        .prepare(`DELETE FROM ${table} WHERE ${column} IN (SELECT value FROM json_each(?))`)
        .run(list);
    }
    return ids.length;
  });
}
