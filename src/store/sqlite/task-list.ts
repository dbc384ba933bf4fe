import type { TaskFilter } from '../store.js';
import type { SqliteContext } from './context.js';
import type { TaskRow } from './rows.js';
import { prepareTaskRead, TASK_SELECT, type Stmt } from './statements.js';
import type { TaskCounts } from './task-counts.js';

type Params = Record<string, string | number | null>;

/** A queue holding tasks in a state: a `task_counts` row with n > 0. */
export interface QueueState {
  queue: string;
  state: string;
}

/**
 * Most branches of a listing by state across queues, one per (queue, state) pair holding tasks:
 * SQLite allows at most 500 terms in a compound SELECT. Past it, the listing walks the primary
 * key instead.
 */
export const MAX_BRANCHES = 400;

/**
 * Whether the listing filters by state across every queue, and so reads from the
 * `(queue, state, id)` index once per (queue, state) pair holding tasks of those states: the
 * pairs, from `task_counts`, must be passed to `taskListSql`.
 */
export function listsAcrossQueues(filter: TaskFilter): boolean {
  return (
    filter.states !== undefined && filter.queue === undefined && filter.workflowId === undefined
  );
}

/**
 * The index each filter shape reads, in id order (migrations 10 and 12): SQLite keeps no
 * statistics, so left to itself it may walk a whole queue for a state that matches nothing, or
 * sort a whole queue. Named with INDEXED BY, every shape stops after a page.
 */
function indexFor(filter: TaskFilter, byState: boolean): string | null {
  if (filter.workflowId !== undefined) return 'tasks_workflow'; // a workflow's few tasks
  if (byState) return 'tasks_queue_state'; // per state of the queue, or per (queue, state)
  if (filter.queue !== undefined) return 'tasks_queue_id';
  return null; // the primary key, backwards
}

/** Branches for `pairs` pairs: padded, so that few statement shapes cover every count. */
function branchCount(pairs: number): number {
  return pairs <= 8 ? pairs : Math.min(MAX_BRANCHES, 2 ** Math.ceil(Math.log2(pairs)));
}

/**
 * The SQL and parameters of a listing; null when nothing can match (an empty state list, or no
 * pair holding tasks of its states). A listing by state across queues (`listsAcrossQueues`) needs
 * `pairs`, the (queue, state) pairs holding tasks of its states: all of them, or any
 * MAX_BRANCHES + 1 when there are more.
 */
export function taskListSql(
  filter: TaskFilter,
  pairs: readonly QueueState[] = [],
): { sql: string; params: Params } | null {
  const states = filter.states === undefined ? null : [...new Set(filter.states)];
  if (states?.length === 0) return null;
  const acrossQueues = listsAcrossQueues(filter);
  if (acrossQueues && pairs.length === 0) return null;
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
  const branch = (index: string | null, extra: string[]) => {
    const all = [...extra, ...where];
    return (
      `SELECT ${TASK_SELECT} FROM tasks` +
      (index ? ` INDEXED BY ${index}` : '') +
      (all.length > 0 ? ` WHERE ${all.join(' AND ')}` : '')
    );
  };
  let sql: string;
  if (states === null) {
    sql = branch(indexFor(filter, false), []);
  } else if (!acrossQueues) {
    const index = indexFor(filter, true);
    sql = states
      .map((state, i) => {
        params[`state${i}`] = state;
        return branch(index, [`state = @state${i}`]);
      })
      .join(' UNION ALL ');
  } else if (pairs.length > MAX_BRANCHES) {
    // The primary key backwards, every row tested. `+state`: on the partial indexes of a state
    // (`tasks_ready`, …) the planner would read all of a state's tasks and sort them.
    const names = states.map((state, i) => {
      params[`state${i}`] = state;
      return `@state${i}`;
    });
    sql = branch(null, [`+state IN (${names.join(', ')})`]);
  } else {
    sql = Array.from({ length: branchCount(pairs.length) }, (_, k) => {
      // A padding branch binds NULL, which no row equals: it reads nothing.
      params[`queue${k}`] = pairs[k]?.queue ?? null;
      params[`state${k}`] = pairs[k]?.state ?? null;
      return branch('tasks_queue_state', [`queue = @queue${k}`, `state = @state${k}`]);
    }).join(' UNION ALL ');
  }
  sql += ' ORDER BY id DESC LIMIT @limit';
  return { sql, params };
}

/**
 * The task listing: newest first, keyset-paged by id. Its SQL depends on which filters are
 * set, so one statement is prepared per filter shape and cached.
 *
 * A state filter is one equality per state (per queue and state when no queue is named), each a
 * branch of a UNION ALL read from an index in id order and merged (`MERGE (UNION ALL)`), which
 * stops after a page; an `IN` list would read every task of those states and sort them. The
 * (queue, state) pairs holding tasks come from `task_counts`, read in the listing's snapshot.
 */
export class TaskListQuery {
  private readonly cache = new Map<string, Stmt<[Params], TaskRow>>();

  constructor(
    private readonly ctx: SqliteContext,
    private readonly counts: TaskCounts,
  ) {}

  run(filter: TaskFilter): TaskRow[] {
    if (!listsAcrossQueues(filter)) return this.query(taskListSql(filter));
    const states = [...new Set(filter.states)];
    return this.ctx.read(() =>
      this.query(taskListSql(filter, this.counts.pairs(states, MAX_BRANCHES + 1))),
    );
  }

  private query(query: { sql: string; params: Params } | null): TaskRow[] {
    if (query === null) return [];
    const { sql, params } = query;
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = prepareTaskRead<[Params]>(this.ctx.db, sql);
      this.cache.set(sql, stmt);
    }
    return stmt.all(params);
  }
}
