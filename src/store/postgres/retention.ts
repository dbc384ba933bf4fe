import type { LeaderFence } from '../store.js';
import { PRUNABLE_WHERE, TASK_CHILD_TABLES } from '../common/retention.js';
import type { PgContext } from './context.js';

const SELECT_PRUNABLE = `SELECT t.id FROM tasks t WHERE ${PRUNABLE_WHERE.replace(':before', '$1')}
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
    const ids = rows.map((r) => r.id);
    for (const table of TASK_CHILD_TABLES) {
      await tx.rows(`DELETE FROM ${table} WHERE task_id = ANY($1::text[])`, [ids]);
    }
    return ids.length;
  });
}
