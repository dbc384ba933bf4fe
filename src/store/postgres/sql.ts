/**
 * Every fixed SQL statement of the driver. The two dynamic ones are built from their shape and
 * cached: the task listing (`task-list.ts`) and the batch update of decided fields
 * (`task-update.ts`). Batches travel as one parameter: a JSON array read with
 * `jsonb_to_recordset`, or typed arrays read with `unnest`.
 */

/** Every column of `tasks`, as `TaskRow` names them. */
export const TASK_SELECT = `id, queue, type, state, want, priority, run_at, due_at, attempt,
  attempt_base, max_attempts, backoff, timeout_ms, idempotency_key, concurrency_key, executor,
  selector, tolerations, resources, res_cpu, res_memory_mb, labels, workflow_id, step_id,
  schedule_id, fire_at, worker_id, assigned_at, created_at, updated_at, started_at, finished_at,
  deadline_at, payload, result, error, progress, version, restart, parent_id, flow, trace`;

/** The states in which a task is on a worker, spelled as in the `tasks_on_worker` index. */
const ON_WORKER = `state IN ('assigned', 'running', 'paused')`;

const CHANGE_COLUMNS = 'id, queue, state, want, worker_id, attempt, run_at';

export const SQL = {
  // -- Change feed
  notify: `SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS n(p, i) ORDER BY i`,

  // -- Tasks: writes
  /** New task rows ($1: JSON array of TaskRow); a known idempotency key is skipped. */
  taskInsert: `INSERT INTO tasks
    SELECT * FROM jsonb_populate_recordset(NULL::tasks, $1::jsonb)
    ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id`,
  /** Tasks by (queue, idempotency key) pairs ($1 queues, $2 keys). */
  taskByIdempotencyKeys: `SELECT ${TASK_SELECT} FROM tasks
    WHERE (queue, idempotency_key) IN (SELECT q, k FROM unnest($1::text[], $2::text[]) AS x(q, k))`,
  /** Queue rows for the queues named ($1, distinct and sorted); returns the names that were new. */
  queueTouch: `INSERT INTO queues (name)
    SELECT q FROM unnest($1::text[]) WITH ORDINALITY AS x(q, i) ORDER BY i
    ON CONFLICT (name) DO NOTHING RETURNING name`,
  /**
   * Due pending tasks, oldest first, to ready (or paused when a pause is wanted), in one
   * statement. Rows another transaction holds are skipped, not waited for. The claim is an
   * InitPlan (`ARRAY(...)`), run once: as a plain `IN (...)` subquery it may be rescanned, skip
   * the rows this very statement just updated, and claim past its LIMIT.
   */
  taskPromoteDue: `UPDATE tasks SET
      state = CASE WHEN want = 'pause' THEN 'paused' ELSE 'ready' END,
      version = version + 1, updated_at = $1
    WHERE id = ANY(ARRAY(
      SELECT id FROM tasks WHERE state = 'pending' AND run_at <= $1
      ORDER BY run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
    )) AND state = 'pending'
    RETURNING ${CHANGE_COLUMNS}`,

  // -- Tasks: reads that lock for a decision
  taskForUpdate: `SELECT ${TASK_SELECT} FROM tasks WHERE id = $1 FOR UPDATE`,
  /** Locked in id order, so two batches over the same tasks never deadlock. */
  tasksForUpdate: `SELECT ${TASK_SELECT} FROM tasks WHERE id = ANY($1::text[])
    ORDER BY id FOR UPDATE`,
  /**
   * As tasksForUpdate, for tasks meant to be ready. Not `AND state = 'ready'`: that predicate
   * matches the partial index tasks_ready, and with a young table's stale statistics the planner
   * scans all of that index for the ids (its last column) instead of the primary key. The
   * callers skip rows that are not ready.
   */
  readyForUpdate: `SELECT ${TASK_SELECT} FROM tasks WHERE id = ANY($1::text[])
    ORDER BY id FOR UPDATE`,
  overdueForUpdate: `SELECT ${TASK_SELECT} FROM tasks WHERE deadline_at <= $1 AND state = 'running'
    ORDER BY deadline_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
  onWorkersForUpdate: `SELECT ${TASK_SELECT} FROM tasks
    WHERE ${ON_WORKER} AND worker_id = ANY($1::text[]) ORDER BY id FOR UPDATE`,

  // -- Tasks: reads
  taskGet: `SELECT ${TASK_SELECT} FROM tasks WHERE id = $1`,
  /** Through a function that pins the index scan (see migration 8). */
  taskReadyBatch: `SELECT ${TASK_SELECT} FROM chronoq_ready_tasks($1)`,
  taskNextDue: `SELECT min(run_at) AS at FROM tasks WHERE state = 'pending'`,
  taskNextDeadline: `SELECT min(deadline_at) AS at FROM tasks
    WHERE deadline_at IS NOT NULL AND state = 'running'`,
  taskOnWorker: `SELECT ${TASK_SELECT} FROM tasks WHERE ${ON_WORKER} AND worker_id = $1
    ORDER BY id`,
  taskResults: `SELECT id, result FROM tasks WHERE id = ANY($1::text[]) AND state = 'succeeded'`,
  taskHeld: `SELECT id, attempt, worker_id, queue, concurrency_key, res_cpu, res_memory_mb
    FROM tasks WHERE ${ON_WORKER} AND worker_id IS NOT NULL`,
  /** Attempts assigned per queue since its window start ($1 queues, $2 window starts). */
  taskAssignedSince: `SELECT w.queue, count(t.id)::int AS n
    FROM unnest($1::text[], $2::bigint[]) AS w(queue, since)
    LEFT JOIN tasks t ON t.queue = w.queue AND t.assigned_at >= w.since
    GROUP BY w.queue`,

  // -- History
  /** Ended attempts ($1: JSON array of AttemptRow); a rewrite of the same attempt replaces it. */
  attemptUpsert: `INSERT INTO attempts
      (task_id, attempt, worker_id, outcome, started_at, finished_at, error)
    SELECT task_id, attempt, worker_id, outcome, started_at, finished_at, error
    FROM jsonb_to_recordset($1::jsonb) AS a(task_id text, attempt int, worker_id text,
      outcome text, started_at bigint, finished_at bigint, error jsonb)
    ON CONFLICT (task_id, attempt) DO UPDATE SET worker_id = excluded.worker_id,
      outcome = excluded.outcome, started_at = excluded.started_at,
      finished_at = excluded.finished_at, error = excluded.error`,
  attemptList: `SELECT task_id, attempt, worker_id, outcome, started_at, finished_at, error
    FROM attempts WHERE task_id = $1 ORDER BY attempt`,
  /** Task events ($1: JSON array of EventRow), numbered in array order. */
  eventInsert: `INSERT INTO task_events
      (task_id, at, kind, attempt, from_state, to_state, actor, detail)
    SELECT task_id, at, kind, attempt, from_state, to_state, actor, detail
    FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (task_id text, at bigint, kind text,
      attempt int, from_state text, to_state text, actor text, detail jsonb))
      WITH ORDINALITY AS e(task_id, at, kind, attempt, from_state, to_state, actor, detail, i)
    ORDER BY i`,
  /** Notes ($1: JSON array of EventRow) for the tasks that exist. */
  eventNote: `INSERT INTO task_events
      (task_id, at, kind, attempt, from_state, to_state, actor, detail)
    SELECT e.task_id, e.at, e.kind, e.attempt, e.from_state, e.to_state, e.actor, e.detail
    FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (task_id text, at bigint, kind text,
      attempt int, from_state text, to_state text, actor text, detail jsonb))
      WITH ORDINALITY AS e(task_id, at, kind, attempt, from_state, to_state, actor, detail, i)
    WHERE EXISTS (SELECT 1 FROM tasks t WHERE t.id = e.task_id)
    ORDER BY e.i`,
  eventList: `SELECT task_id, at, kind, attempt, from_state, to_state, actor, detail
    FROM task_events WHERE task_id = $1 ORDER BY seq`,

  // -- Logs
  /**
   * Serializes appends per task until commit, so a task's lines become visible in `seq` order
   * and a reader following with `afterSeq` never skips a line committed late.
   */
  logLock: `SELECT pg_advisory_xact_lock(hashtextextended('chronoq.logs:' || $1, 0))`,
  /** Log lines ($1: JSON array), numbered in array order. */
  logInsert: `INSERT INTO logs (task_id, attempt, stream, line, at)
    SELECT task_id, attempt, stream, line, at
    FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (task_id text, attempt int, stream text,
      line text, at bigint))
      WITH ORDINALITY AS l(task_id, attempt, stream, line, at, i)
    ORDER BY i`,
  logList: `SELECT seq, task_id, attempt, stream, line, at FROM logs
    WHERE task_id = $1 AND seq > $2 AND ($3::int IS NULL OR attempt = $3)
    ORDER BY seq LIMIT $4`,

  // -- Queues
  queueGet: `SELECT name, settings FROM queues WHERE name = $1`,
  queueList: `SELECT name, settings FROM queues ORDER BY name`,
  queueEnsure: `INSERT INTO queues (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`,
  queueForUpdate: `SELECT name, settings FROM queues WHERE name = $1 FOR UPDATE`,
  queuePut: `UPDATE queues SET settings = $2::jsonb WHERE name = $1`,

  // -- Workers
  workerUpsert: `INSERT INTO workers (
      id, name, replica_id, status, labels, taints, capacity, prefetch, resources, types,
      executors, queues, weight, cordoned, draining, load, version, started_at, heartbeat_at,
      expires_at
    ) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
      $20)
    ON CONFLICT (id) DO UPDATE SET
      name = excluded.name, replica_id = excluded.replica_id, status = excluded.status,
      labels = excluded.labels, taints = excluded.taints, capacity = excluded.capacity,
      prefetch = excluded.prefetch,
      resources = excluded.resources, types = excluded.types, executors = excluded.executors,
      queues = excluded.queues, weight = excluded.weight, cordoned = excluded.cordoned,
      draining = excluded.draining, load = excluded.load, version = excluded.version,
      started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
      expires_at = excluded.expires_at`,
  workerHeartbeat: `UPDATE workers SET load = $2, heartbeat_at = $3, expires_at = $4
    WHERE id = $1 AND status = 'live' RETURNING id`,
  workerPatch: `UPDATE workers SET
      cordoned = COALESCE($2::boolean, cordoned), draining = COALESCE($3::boolean, draining),
      status = COALESCE($4::text, status), expires_at = COALESCE($5::bigint, expires_at)
    WHERE id = $1 RETURNING *`,
  workerGet: `SELECT * FROM workers WHERE id = $1`,
  workerList: `SELECT * FROM workers ORDER BY id`,
  workerExpire: `UPDATE workers SET status = 'lost'
    WHERE status = 'live' AND expires_at <= $1 RETURNING id`,

  // -- Leases and replicas
  /** The fence: held (FOR SHARE) until commit, so a takeover waits for the leader's write. */
  leaseCheck: `SELECT 1 AS ok FROM leases WHERE name = $1 AND holder = $2 AND token = $3 FOR SHARE`,
  /** As leaseCheck, failing the transaction with SQLSTATE CQ001 when the lease is not held. */
  leaseRequire: `SELECT chronoq_require(count(*) = 1, 'CQ001', 'leader lease lost') FROM (
      SELECT 1 FROM leases WHERE name = $1 AND holder = $2 AND token = $3 FOR SHARE) AS held`,
  leaseEnsure: `INSERT INTO leases (name, holder, token, since, expires_at)
    VALUES ($1, '', 0, 0, 0) ON CONFLICT (name) DO NOTHING`,
  leaseForUpdate: `SELECT name, holder, token, since, expires_at FROM leases
    WHERE name = $1 FOR UPDATE`,
  leasePut: `UPDATE leases SET holder = $2, token = $3, since = $4, expires_at = $5
    WHERE name = $1`,
  leaseGet: `SELECT name, holder, token, since, expires_at FROM leases WHERE name = $1`,
  leaseRelease: `UPDATE leases SET holder = '', expires_at = 0 WHERE name = $1 AND holder = $2`,
  replicaUpsert: `INSERT INTO replicas (id, url, started_at, heartbeat_at, expires_at)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (id) DO UPDATE SET url = excluded.url, started_at = excluded.started_at,
      heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`,
  replicaList: `SELECT id, url, started_at, heartbeat_at, expires_at FROM replicas ORDER BY id`,
  replicaRemove: `DELETE FROM replicas WHERE id = $1`,
} as const;
