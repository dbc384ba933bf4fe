import type { Database } from 'better-sqlite3';
import type { TaskFilter } from '../store.js';
import type { TaskRow } from './rows.js';
import { prepareTaskRead, TASK_SELECT, type Stmt } from './statements.js';

type Params = Record<string, string | number>;

/**
 * The task listing: newest first, keyset-paged by id. Its SQL depends on which filters are
 * set, so one statement is prepared per filter shape (at most 2^6) and cached.
 */
export class TaskListQuery {
  private readonly cache = new Map<string, Stmt<[Params], TaskRow>>();

  constructor(private readonly db: Database) {}

  run(filter: TaskFilter): TaskRow[] {
    const where: string[] = [];
    const params: Params = { limit: Math.max(1, Math.floor(filter.limit)) + 1 };
    if (filter.states !== undefined) {
      where.push('state IN (SELECT value FROM json_each(@states))');
      params.states = JSON.stringify(filter.states);
    }
    if (filter.queue !== undefined) {
      where.push('queue = @queue');
      params.queue = filter.queue;
    }
    if (filter.type !== undefined) {
      where.push('type = @type');
      params.type = filter.type;
    }
    if (filter.workflowId !== undefined) {
      where.push('workflow_id = @workflowId');
      params.workflowId = filter.workflowId;
    }
    if (filter.label !== undefined) {
      where.push(
        'EXISTS (SELECT 1 FROM json_each(labels) AS l WHERE l.key = @labelKey AND l.value = @labelValue)',
      );
      params.labelKey = filter.label[0];
      params.labelValue = filter.label[1];
    }
    if (filter.cursor !== undefined) {
      where.push('id < @cursor');
      params.cursor = filter.cursor;
    }
    const sql =
      `SELECT ${TASK_SELECT} FROM tasks` +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY id DESC LIMIT @limit';
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = prepareTaskRead<[Params]>(this.db, sql);
      this.cache.set(sql, stmt);
    }
    return stmt.all(params);
  }
}
