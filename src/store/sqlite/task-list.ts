import type { Database } from 'better-sqlite3';
import type { TaskFilter } from '../store.js';
import type { TaskRow } from './rows.js';
import { prepareTaskRead, TASK_SELECT, type Stmt } from './statements.js';

type Params = Record<string, string | number>;

/**
 * The index each filter shape reads, in id order (migration 10): SQLite keeps no statistics,
 * so left to itself it may walk a whole queue for a state that matches nothing, or sort a
 * whole queue. Named with INDEXED BY, every shape stops after a page.
 */
function indexFor(filter: TaskFilter, byState: boolean): string | null {
  if (filter.workflowId !== undefined) return 'tasks_workflow'; // a workflow's few tasks
  if (filter.queue !== undefined) return byState ? 'tasks_queue_state' : 'tasks_queue_id';
  if (byState) return 'tasks_state_id';
  return null; // the primary key, backwards
}

/**
 * The SQL and parameters of a listing; null when it is empty whatever the store holds (an empty
 * state list).
 */
export function taskListSql(filter: TaskFilter): { sql: string; params: Params } | null {
  const states = filter.states === undefined ? null : [...new Set(filter.states)];
  if (states?.length === 0) return null;
  const where: string[] = [];
  const params: Params = { limit: Math.max(1, Math.floor(filter.limit)) + 1 };
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
  const index = indexFor(filter, states !== null);
  const from = `SELECT ${TASK_SELECT} FROM tasks` + (index ? ` INDEXED BY ${index}` : '');
  const branch = (extra: string[]) => {
    const all = [...extra, ...where];
    return from + (all.length > 0 ? ` WHERE ${all.join(' AND ')}` : '');
  };
  let sql: string;
  if (states === null) {
    sql = branch([]);
  } else {
    sql = states
      .map((state, i) => {
        params[`state${i}`] = state;
        // tasks_state_id is on lower(state), which only this query names: the scheduler's
        // `state = …` reads keep their partial indexes.
        const column = index === 'tasks_state_id' ? 'lower(state)' : 'state';
        return branch([`${column} = @state${i}`]);
      })
      .join(' UNION ALL ');
  }
  sql += ' ORDER BY id DESC LIMIT @limit';
  return { sql, params };
}

/**
 * The task listing: newest first, keyset-paged by id. Its SQL depends on which filters are
 * set, so one statement is prepared per filter shape and cached.
 *
 * A state filter is one equality per state, each a branch of a UNION ALL read from an index in
 * id order and merged (`MERGE (UNION ALL)`), which stops after a page; an `IN` list would read
 * every task of those states and sort them.
 */
export class TaskListQuery {
  private readonly cache = new Map<string, Stmt<[Params], TaskRow>>();

  constructor(private readonly db: Database) {}

  run(filter: TaskFilter): TaskRow[] {
    const query = taskListSql(filter);
    if (query === null) return [];
    const { sql, params } = query;
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = prepareTaskRead<[Params]>(this.db, sql);
      this.cache.set(sql, stmt);
    }
    return stmt.all(params);
  }
}
