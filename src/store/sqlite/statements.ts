import type { HeldRow } from '../common/held-row.js';
import type { Database, RunResult } from 'better-sqlite3';
import type {
  AttemptRow,
  ChangeRow,
  EventRow,
  LeaseRow,
  LogRow,
  ReplicaRow,
  WorkerRow,
} from './rows.js';
import { rawToTaskRow, TASK_COLUMNS, type TaskRow } from './rows.js';
import { HistoryBuffer, MultiInsert } from './multi-insert.js';

/** The states in which a task is on a worker, spelled as in the `tasks_on_worker` index. */
const ON_WORKER = `state IN ('assigned', 'running', 'paused')`;

type Args<P> = P extends unknown[] ? P : [P];

/** A prepared statement: positional parameters as a tuple, or one object of named ones. */
export interface Stmt<P extends unknown[] | object, R = unknown> {
  run(...params: Args<P>): RunResult;
  get(...params: Args<P>): R | undefined;
  all(...params: Args<P>): R[];
}

/**
 * Every fixed SQL statement of the driver, prepared once per connection. The two dynamic ones
 * are built from their shape and cached: the task listing (`task-list.ts`) and the update of
 * a patch's fields (`task-update.ts`).
 */
/** The task columns, in the order `rawToTaskRow` reads them. */
export const TASK_SELECT = TASK_COLUMNS.join(', ');

/** A statement reading whole task rows, in raw mode (see `rawToTaskRow`). */
export function prepareTaskRead<P extends unknown[] | object>(
  db: Database,
  sql: string,
): Stmt<P, TaskRow> {
  const raw = db.prepare<P, unknown[]>(sql).raw(true) as unknown as Stmt<P, unknown[]>;
  return {
    run: (...params) => raw.run(...params),
    get: (...params) => {
      const values = raw.get(...params);
      return values === undefined ? undefined : rawToTaskRow(values);
    },
    all: (...params) => raw.all(...params).map(rawToTaskRow),
  };
}

export function prepareStatements(db: Database) {
  const p = <P extends unknown[] | object, R = unknown>(sql: string): Stmt<P, R> =>
    db.prepare<P, R>(sql) as unknown as Stmt<P, R>;
  const t = <P extends unknown[] | object>(sql: string) => prepareTaskRead<P>(db, sql);
  return {
    /** History rows of the write under way, written before it commits (see SqliteContext). */
    history: new HistoryBuffer(db),
    /** New task rows, many per statement: values in TASK_COLUMNS order. */
    taskInsertMany: new MultiInsert(db, `INSERT INTO tasks (${TASK_SELECT})`, TASK_COLUMNS.length),
    // -- Tasks: writes
    taskInsert: p<TaskRow>(`INSERT INTO tasks (
        id, queue, type, state, want, priority, run_at, due_at, attempt, attempt_base,
        max_attempts, backoff, timeout_ms, idempotency_key, concurrency_key, executor, selector,
        tolerations, resources, res_cpu, res_memory_mb, labels, workflow_id, step_id, schedule_id,
        fire_at, worker_id, assigned_at, created_at, updated_at, started_at, finished_at,
        deadline_at, payload, result, error, progress, version, restart, parent_id, flow, trace
      ) VALUES (
        @id, @queue, @type, @state, @want, @priority, @run_at, @due_at, @attempt, @attempt_base,
        @max_attempts, @backoff, @timeout_ms, @idempotency_key, @concurrency_key, @executor,
        @selector, @tolerations, @resources, @res_cpu, @res_memory_mb, @labels, @workflow_id,
        @step_id, @schedule_id, @fire_at, @worker_id, @assigned_at, @created_at, @updated_at,
        @started_at, @finished_at, @deadline_at, @payload, @result, @error, @progress, @version,
        @restart, @parent_id, @flow, @trace
      )`),
    /** Due pending tasks, oldest first, to ready (or paused when a pause is wanted). */
    taskPromoteDue: p<[{ now: number; limit: number }], ChangeRow>(`UPDATE tasks SET
        state = CASE WHEN want = 'pause' THEN 'paused' ELSE 'ready' END,
        version = version + 1, updated_at = @now
      WHERE id IN (
        SELECT id FROM tasks WHERE state = 'pending' AND run_at <= @now
        ORDER BY run_at, id LIMIT @limit
      )
      RETURNING id, queue, state, want, worker_id, attempt, run_at`),
    queueTouch: p<[string]>(`INSERT INTO queues (name) VALUES (?) ON CONFLICT (name) DO NOTHING`),

    // -- Tasks: reads
    taskGet: t<[string]>(`SELECT ${TASK_SELECT} FROM tasks WHERE id = ?`),
    /** The versions of the tasks whose ids a JSON array names (see TaskCache). */
    taskVersions: p<[string], { id: string; version: number }>(
      `SELECT id, version FROM tasks WHERE id IN (SELECT value FROM json_each(?))`,
    ),
    /** The tasks whose ids a JSON array names, in no particular order. */
    taskGetMany: t<[string]>(
      `SELECT ${TASK_SELECT} FROM tasks WHERE id IN (SELECT value FROM json_each(?))`,
    ),
    taskByIdempotencyKey: t<[string, string]>(
      `SELECT ${TASK_SELECT} FROM tasks WHERE queue = ? AND idempotency_key = ?`,
    ),
    /** The ids and versions of the best ready tasks, in placement order (see TaskCache). */
    taskReadyVersions: p<[number], { id: string; version: number }>(
      `SELECT id, version FROM tasks WHERE state = 'ready' ORDER BY priority DESC, due_at, id LIMIT ?`,
    ),
    taskReadyBatch: t<[number]>(
      `SELECT ${TASK_SELECT} FROM tasks WHERE state = 'ready' ORDER BY priority DESC, due_at, id LIMIT ?`,
    ),
    taskNextDue: p<[], { at: number | null }>(
      `SELECT min(run_at) AS at FROM tasks WHERE state = 'pending'`,
    ),
    taskNextDeadline: p<[], { at: number | null }>(
      `SELECT min(deadline_at) AS at FROM tasks WHERE deadline_at IS NOT NULL AND state = 'running'`,
    ),
    taskOverdue: t<[number, number]>(
      `SELECT ${TASK_SELECT} FROM tasks WHERE deadline_at <= ? AND state = 'running'
       ORDER BY deadline_at, id LIMIT ?`,
    ),
    taskOnWorker: t<[string]>(
      `SELECT ${TASK_SELECT} FROM tasks WHERE ${ON_WORKER} AND worker_id = ? ORDER BY id`,
    ),
    taskOnWorkers: t<[string]>(
      `SELECT ${TASK_SELECT} FROM tasks WHERE ${ON_WORKER}
         AND worker_id IN (SELECT value FROM json_each(?)) ORDER BY id`,
    ),
    taskResults: p<[string], { id: string; result: string | null }>(
      `SELECT id, result FROM tasks
       WHERE id IN (SELECT value FROM json_each(?)) AND state = 'succeeded'`,
    ),
    taskHeld: p<[], HeldRow>(
      `SELECT id, attempt, worker_id, queue, concurrency_key, res_cpu, res_memory_mb
       FROM tasks WHERE ${ON_WORKER} AND worker_id IS NOT NULL`,
    ),
    taskAssignedSince: p<[string, number], { n: number }>(
      `SELECT count(*) AS n FROM tasks WHERE queue = ? AND assigned_at >= ?`,
    ),

    // -- History
    attemptInsert: p<AttemptRow>(`INSERT OR REPLACE INTO attempts
        (task_id, attempt, worker_id, outcome, started_at, finished_at, error)
      VALUES (@task_id, @attempt, @worker_id, @outcome, @started_at, @finished_at, @error)`),
    attemptList: p<[string], AttemptRow>(
      `SELECT * FROM attempts WHERE task_id = ? ORDER BY attempt`,
    ),
    eventInsert: p<EventRow>(`INSERT INTO task_events
        (task_id, at, kind, attempt, from_state, to_state, actor, detail)
      VALUES (@task_id, @at, @kind, @attempt, @from_state, @to_state, @actor, @detail)`),
    eventList: p<[string], EventRow>(`SELECT * FROM task_events WHERE task_id = ? ORDER BY seq`),

    // -- Logs
    logInsert: p<Omit<LogRow, 'seq'>>(`INSERT INTO logs (task_id, attempt, stream, line, at)
      VALUES (@task_id, @attempt, @stream, @line, @at)`),
    logList: p<
      [{ task_id: string; attempt: number | null; after: number; limit: number }],
      LogRow
    >(`SELECT * FROM logs
       WHERE task_id = @task_id AND seq > @after AND (@attempt IS NULL OR attempt = @attempt)
       ORDER BY seq LIMIT @limit`),

    // -- Queues
    queueGet: p<[string], { name: string; settings: string | null }>(
      `SELECT name, settings FROM queues WHERE name = ?`,
    ),
    queueList: p<[], { name: string; settings: string | null }>(
      `SELECT name, settings FROM queues ORDER BY name`,
    ),
    queuePut: p<[string, string]>(`INSERT INTO queues (name, settings) VALUES (?, ?)
      ON CONFLICT (name) DO UPDATE SET settings = excluded.settings`),

    // -- Workers
    workerUpsert: p<WorkerRow>(`INSERT INTO workers (
        id, name, replica_id, status, labels, taints, capacity, prefetch, resources, types,
        executors, queues, weight, cordoned, draining, load, version, started_at, heartbeat_at,
        expires_at
      ) VALUES (
        @id, @name, @replica_id, @status, @labels, @taints, @capacity, @prefetch, @resources,
        @types, @executors, @queues, @weight, @cordoned, @draining, @load, @version, @started_at,
        @heartbeat_at, @expires_at
      ) ON CONFLICT (id) DO UPDATE SET
        name = excluded.name, replica_id = excluded.replica_id, status = excluded.status,
        labels = excluded.labels, taints = excluded.taints, capacity = excluded.capacity,
        prefetch = excluded.prefetch,
        resources = excluded.resources, types = excluded.types, executors = excluded.executors,
        queues = excluded.queues, weight = excluded.weight, cordoned = excluded.cordoned,
        draining = excluded.draining, load = excluded.load, version = excluded.version,
        started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
        expires_at = excluded.expires_at`),
    workerHeartbeat: p<[number, number, number, string]>(
      `UPDATE workers SET load = ?, heartbeat_at = ?, expires_at = ? WHERE id = ? AND status = 'live'`,
    ),
    workerPatch: p<
      [
        {
          id: string;
          cordoned: number | null;
          draining: number | null;
          status: string | null;
          expires_at: number | null;
        },
      ],
      WorkerRow
    >(`UPDATE workers SET
        cordoned = COALESCE(@cordoned, cordoned), draining = COALESCE(@draining, draining),
        status = COALESCE(@status, status), expires_at = COALESCE(@expires_at, expires_at)
      WHERE id = @id RETURNING *`),
    workerGet: p<[string], WorkerRow>(`SELECT * FROM workers WHERE id = ?`),
    workerList: p<[], WorkerRow>(`SELECT * FROM workers ORDER BY id`),
    workerExpire: p<[number], { id: string }>(
      `UPDATE workers SET status = 'lost' WHERE status = 'live' AND expires_at <= ? RETURNING id`,
    ),

    // -- Leases and replicas
    leaseGet: p<[string], LeaseRow>(`SELECT * FROM leases WHERE name = ?`),
    leasePut: p<LeaseRow>(`INSERT INTO leases (name, holder, token, since, expires_at)
      VALUES (@name, @holder, @token, @since, @expires_at)
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = excluded.token,
        since = excluded.since, expires_at = excluded.expires_at`),
    leaseRelease: p<[string, string]>(
      `UPDATE leases SET holder = '', expires_at = 0 WHERE name = ? AND holder = ?`,
    ),
    leaseCheck: p<[string, string, number], { ok: number }>(
      `SELECT 1 AS ok FROM leases WHERE name = ? AND holder = ? AND token = ?`,
    ),
    replicaUpsert:
      p<ReplicaRow>(`INSERT INTO replicas (id, url, started_at, heartbeat_at, expires_at)
      VALUES (@id, @url, @started_at, @heartbeat_at, @expires_at)
      ON CONFLICT (id) DO UPDATE SET url = excluded.url, started_at = excluded.started_at,
        heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`),
    replicaList: p<[], ReplicaRow>(`SELECT * FROM replicas ORDER BY id`),
    replicaRemove: p<[string]>(`DELETE FROM replicas WHERE id = ?`),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
