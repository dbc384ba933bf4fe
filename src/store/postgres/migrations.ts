import { FINISHED_INDEX_SQL, WORKFLOWS_FINISHED_INDEX_SQL } from '../common/retention.js';
import type { Pool } from 'pg';
import { COUNTS_IN_JS_MIGRATION_SQL, TASK_COUNTS_MIGRATION_SQL } from './task-counts.js';
import { TOKENS_MIGRATION_SQL } from './tokens.js';
import { WORKFLOWS_MIGRATION_SQL } from './workflows.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema, as numbered, append-only migrations mirroring the SQLite driver's (same numbers,
 * same meaning): never edit one that has shipped, add a new one. Times are BIGINT epoch
 * milliseconds; objects and arrays are JSONB. Keys and ids compare bytewise (COLLATE "C"), as
 * in SQLite, so time-ordered ids sort the same on every server locale.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE tasks (
        id TEXT COLLATE "C" PRIMARY KEY,
        queue TEXT COLLATE "C" NOT NULL,
        type TEXT NOT NULL,
        state TEXT NOT NULL,
        want TEXT NOT NULL,
        priority INTEGER NOT NULL,
        run_at BIGINT,
        -- run_at ?? created_at: the due time that orders ready tasks.
        due_at BIGINT NOT NULL,
        attempt INTEGER NOT NULL,
        attempt_base INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        backoff JSONB NOT NULL,
        timeout_ms BIGINT,
        idempotency_key TEXT,
        concurrency_key TEXT,
        executor JSONB NOT NULL,
        selector JSONB NOT NULL,
        tolerations JSONB NOT NULL,
        resources JSONB NOT NULL,
        -- Copies of resources.cpu and resources.memoryMb, summed by the placement tally.
        res_cpu DOUBLE PRECISION NOT NULL DEFAULT 0,
        res_memory_mb DOUBLE PRECISION NOT NULL DEFAULT 0,
        labels JSONB NOT NULL,
        workflow_id TEXT,
        step_id TEXT,
        schedule_id TEXT,
        fire_at BIGINT,
        worker_id TEXT COLLATE "C",
        -- When the current (or last) attempt was handed to a worker: rate limits, attempt starts.
        assigned_at BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        started_at BIGINT,
        finished_at BIGINT,
        deadline_at BIGINT,
        payload JSONB,
        result JSONB,
        error JSONB,
        progress DOUBLE PRECISION,
        version BIGINT NOT NULL
      );
      CREATE INDEX tasks_ready ON tasks (priority DESC, due_at, id) WHERE state = 'ready';
      CREATE INDEX tasks_pending ON tasks (run_at, id) WHERE state = 'pending';
      CREATE INDEX tasks_on_worker ON tasks (worker_id)
        WHERE state IN ('assigned', 'running', 'paused');
      CREATE INDEX tasks_deadline ON tasks (deadline_at) WHERE deadline_at IS NOT NULL;
      CREATE INDEX tasks_queue_state ON tasks (queue, state);
      CREATE INDEX tasks_assigned_at ON tasks (queue, assigned_at) WHERE assigned_at IS NOT NULL;
      CREATE INDEX tasks_workflow ON tasks (workflow_id) WHERE workflow_id IS NOT NULL;
      CREATE UNIQUE INDEX tasks_idempotency ON tasks (queue, idempotency_key)
        WHERE idempotency_key IS NOT NULL;

      CREATE TABLE attempts (
        task_id TEXT COLLATE "C" NOT NULL,
        attempt INTEGER NOT NULL,
        worker_id TEXT,
        outcome TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        finished_at BIGINT,
        error JSONB,
        PRIMARY KEY (task_id, attempt)
      );

      CREATE TABLE task_events (
        seq BIGSERIAL PRIMARY KEY,
        task_id TEXT COLLATE "C" NOT NULL,
        at BIGINT NOT NULL,
        kind TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        from_state TEXT,
        to_state TEXT,
        actor TEXT,
        detail JSONB
      );
      CREATE INDEX task_events_task ON task_events (task_id, seq);

      CREATE TABLE logs (
        seq BIGSERIAL PRIMARY KEY,
        task_id TEXT COLLATE "C" NOT NULL,
        attempt INTEGER NOT NULL,
        stream TEXT NOT NULL,
        line TEXT NOT NULL,
        at BIGINT NOT NULL
      );
      CREATE INDEX logs_task ON logs (task_id, seq);

      -- A row per queue that has settings (settings NOT NULL) or has ever had tasks.
      CREATE TABLE queues (
        name TEXT COLLATE "C" PRIMARY KEY,
        settings JSONB
      );

      CREATE TABLE workers (
        id TEXT COLLATE "C" PRIMARY KEY,
        name TEXT NOT NULL,
        replica_id TEXT NOT NULL,
        status TEXT NOT NULL,
        labels JSONB NOT NULL,
        taints JSONB NOT NULL,
        capacity INTEGER NOT NULL,
        resources JSONB NOT NULL,
        types JSONB,
        executors JSONB NOT NULL,
        queues JSONB,
        weight DOUBLE PRECISION NOT NULL,
        cordoned BOOLEAN NOT NULL,
        draining BOOLEAN NOT NULL,
        load INTEGER NOT NULL,
        version TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        heartbeat_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );

      CREATE TABLE leases (
        name TEXT COLLATE "C" PRIMARY KEY,
        -- '' once released; the row stays so the token keeps growing.
        holder TEXT NOT NULL,
        token BIGINT NOT NULL,
        since BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );

      CREATE TABLE replicas (
        id TEXT COLLATE "C" PRIMARY KEY,
        url TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        heartbeat_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'restart policy of long-running services',
    sql: `ALTER TABLE tasks ADD COLUMN restart TEXT NOT NULL DEFAULT 'never';`,
  },
  {
    version: 3,
    name: 'schedules, and one task per schedule fire time',
    sql: `
      CREATE TABLE schedules (
        id TEXT COLLATE "C" PRIMARY KEY,
        name TEXT COLLATE "C" NOT NULL UNIQUE,
        -- The definition (timing, policies, task template) as JSON.
        def JSONB NOT NULL,
        paused BOOLEAN NOT NULL,
        next_fire_at BIGINT,
        runs INTEGER NOT NULL,
        last_fire_at BIGINT,
        buffered_fire_at BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        version INTEGER NOT NULL
      );
      CREATE INDEX schedules_next_fire ON schedules (next_fire_at)
        WHERE paused = false AND next_fire_at IS NOT NULL;
      -- Exactly once: a schedule's fire time makes at most one task.
      CREATE UNIQUE INDEX tasks_schedule_fire ON tasks (schedule_id, fire_at)
        WHERE schedule_id IS NOT NULL AND fire_at IS NOT NULL;
    `,
  },

  { version: 4, name: 'api tokens and the audit log', sql: TOKENS_MIGRATION_SQL },
  { version: 5, name: 'workflows and fan-out', sql: WORKFLOWS_MIGRATION_SQL },
  {
    version: 6,
    name: "the submitter's trace context of each task",
    sql: `ALTER TABLE tasks ADD COLUMN trace JSONB;`,
  },
  // Versions apply in number order; a gap is allowed.
  {
    version: 8,
    name: 'worker prefetch; ready tasks read in index order',
    // A queue table's statistics are nearly always stale (a burst of submits, then none ready):
    // the planner then picks a bitmap scan and a sort, which reads every entry of the ready
    // index, dead ones included, and never marks the dead ones. The function pins the ordered
    // index scan, which stops after `n` rows and lets later scans skip the dead entries.
    sql: `
      ALTER TABLE workers ADD COLUMN prefetch INTEGER NOT NULL DEFAULT 0;
      CREATE FUNCTION chronoq_ready_tasks(n INTEGER) RETURNS SETOF tasks
        LANGUAGE sql STABLE
        SET enable_bitmapscan = off SET enable_seqscan = off SET enable_sort = off
        AS $$ SELECT * FROM tasks WHERE state = 'ready' ORDER BY priority DESC, due_at, id
              LIMIT n $$;
    `,
  },
  {
    version: 9,
    name: 'finished tasks by finish time, for retention',
    sql: FINISHED_INDEX_SQL,
  },
  {
    version: 10,
    name: 'task counts per queue and state: folded counters and per-statement deltas',
    sql: TASK_COUNTS_MIGRATION_SQL,
  },
  {
    version: 11,
    name: 'checks inside statements',
    // Write transactions send their writes and their COMMIT in one message: a check whose
    // failure must stop the commit (the leader's fence, a batch update that moved fewer rows
    // than it named) fails the statement itself.
    sql: `
      CREATE FUNCTION chronoq_require(ok BOOLEAN, code TEXT, message TEXT) RETURNS VOID
        LANGUAGE plpgsql AS $$
        BEGIN
          IF ok IS NOT TRUE THEN
            RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
          END IF;
        END $$;
    `,
  },
  {
    version: 12,
    name: 'task state changes counted by the driver, not by a trigger',
    sql: COUNTS_IN_JS_MIGRATION_SQL,
  },
  {
    version: 13,
    name: 'finished workflows by finish time, for retention',
    sql: WORKFLOWS_FINISHED_INDEX_SQL,
  },
];

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

export interface MigrateOptions {
  /** Created when missing; null uses the connection's search_path as it is. */
  schema: string | null;
}

/**
 * Apply every migration not yet recorded in `schema_migrations`, each in its own transaction.
 * Each transaction first takes a transaction-scoped advisory lock, so replicas starting at once
 * apply each migration exactly once: the others wait, then find it recorded. Idempotent.
 * Returns the versions applied.
 */
export async function migrate(
  pool: Pool,
  opts: MigrateOptions,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const lockKey = `chronoq.migrate:${opts.schema ?? ''}`;
  const done: number[] = [];
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey]);
        if (opts.schema !== null) {
          await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(opts.schema)}`);
        }
        await client.query(BOOKKEEPING);
        const seen = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
          m.version,
        ]);
        if (seen.rowCount === 0) {
          await client.query(m.sql);
          // Informational only: nothing decides behaviour on this timestamp.
          await client.query(
            'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [m.version, m.name, Date.now()],
          );
          done.push(m.version);
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        throw err;
      }
    }
    return done;
  } finally {
    client.release(broken);
  }
}

/** A quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
