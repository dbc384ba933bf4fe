import type { Database } from 'better-sqlite3';
import { FINISHED_INDEX_SQL, WORKFLOWS_FINISHED_INDEX_SQL } from '../common/retention.js';
import { TASK_COUNTS_MIGRATION_SQL } from './task-counts.js';
import { TOKENS_MIGRATION_SQL } from './tokens.js';
import { WORKFLOWS_MIGRATION_SQL } from './workflows.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema, as numbered, append-only migrations: never edit one that has shipped, add a new
 * one. Times are INTEGER epoch milliseconds; objects and arrays are JSON text.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE tasks (
        id TEXT PRIMARY KEY,
        queue TEXT NOT NULL,
        type TEXT NOT NULL,
        state TEXT NOT NULL,
        want TEXT NOT NULL,
        priority INTEGER NOT NULL,
        run_at INTEGER,
        -- run_at ?? created_at: the due time that orders ready tasks.
        due_at INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        attempt_base INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        backoff TEXT NOT NULL,
        timeout_ms INTEGER,
        idempotency_key TEXT,
        concurrency_key TEXT,
        executor TEXT NOT NULL,
        selector TEXT NOT NULL,
        tolerations TEXT NOT NULL,
        resources TEXT NOT NULL,
        -- Copies of resources.cpu and resources.memoryMb, summed by the placement tally.
        res_cpu REAL NOT NULL DEFAULT 0,
        res_memory_mb REAL NOT NULL DEFAULT 0,
        labels TEXT NOT NULL,
        workflow_id TEXT,
        step_id TEXT,
        schedule_id TEXT,
        fire_at INTEGER,
        worker_id TEXT,
        -- When the current (or last) attempt was handed to a worker: rate limits, attempt starts.
        assigned_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        deadline_at INTEGER,
        payload TEXT,
        result TEXT,
        error TEXT,
        progress REAL,
        version INTEGER NOT NULL
      );
      CREATE INDEX tasks_ready ON tasks (priority DESC, due_at, id) WHERE state = 'ready';
      CREATE INDEX tasks_pending ON tasks (run_at) WHERE state = 'pending';
      CREATE INDEX tasks_on_worker ON tasks (worker_id)
        WHERE state IN ('assigned', 'running', 'paused');
      CREATE INDEX tasks_deadline ON tasks (deadline_at) WHERE deadline_at IS NOT NULL;
      CREATE INDEX tasks_queue_state ON tasks (queue, state);
      CREATE INDEX tasks_assigned_at ON tasks (queue, assigned_at) WHERE assigned_at IS NOT NULL;
      CREATE INDEX tasks_workflow ON tasks (workflow_id) WHERE workflow_id IS NOT NULL;
      CREATE UNIQUE INDEX tasks_idempotency ON tasks (queue, idempotency_key)
        WHERE idempotency_key IS NOT NULL;

      CREATE TABLE attempts (
        task_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        worker_id TEXT,
        outcome TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        error TEXT,
        PRIMARY KEY (task_id, attempt)
      ) WITHOUT ROWID;

      CREATE TABLE task_events (
        seq INTEGER PRIMARY KEY,
        task_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        from_state TEXT,
        to_state TEXT,
        actor TEXT,
        detail TEXT
      );
      CREATE INDEX task_events_task ON task_events (task_id, seq);

      CREATE TABLE logs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        stream TEXT NOT NULL,
        line TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX logs_task ON logs (task_id, seq);

      -- A row per queue that has settings (settings NOT NULL) or has ever had tasks.
      CREATE TABLE queues (
        name TEXT PRIMARY KEY,
        settings TEXT
      );

      CREATE TABLE workers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        replica_id TEXT NOT NULL,
        status TEXT NOT NULL,
        labels TEXT NOT NULL,
        taints TEXT NOT NULL,
        capacity INTEGER NOT NULL,
        resources TEXT NOT NULL,
        types TEXT,
        executors TEXT NOT NULL,
        queues TEXT,
        weight REAL NOT NULL,
        cordoned INTEGER NOT NULL,
        draining INTEGER NOT NULL,
        load INTEGER NOT NULL,
        version TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );

      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        -- '' once released; the row stays so the token keeps growing.
        holder TEXT NOT NULL,
        token INTEGER NOT NULL,
        since INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );

      CREATE TABLE replicas (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
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
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        -- The definition (timing, policies, task template) as JSON.
        def TEXT NOT NULL,
        paused INTEGER NOT NULL,
        next_fire_at INTEGER,
        runs INTEGER NOT NULL,
        last_fire_at INTEGER,
        buffered_fire_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        version INTEGER NOT NULL
      );
      CREATE INDEX schedules_next_fire ON schedules (next_fire_at)
        WHERE paused = 0 AND next_fire_at IS NOT NULL;
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
    sql: `ALTER TABLE tasks ADD COLUMN trace TEXT;`,
  },
  // Versions apply in number order; a gap is allowed.
  {
    version: 8,
    name: 'worker prefetch',
    sql: `ALTER TABLE workers ADD COLUMN prefetch INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 9,
    name: 'finished tasks by finish time, for retention',
    sql: FINISHED_INDEX_SQL,
  },
  {
    version: 10,
    name: 'task counts per queue and state, kept by triggers; task list indexes',
    sql: TASK_COUNTS_MIGRATION_SQL,
  },
  // 11 is the Postgres driver's only.
  {
    version: 12,
    name: 'task state changes counted by the driver, not by a trigger; no state index for the list',
    // Both cost every state change. The counts stay exact: the trigger kept them up to this
    // commit, the driver from it on (count-deltas.ts). The list reads a state's tasks per queue
    // instead (task-list.ts).
    sql: `
      DROP TRIGGER tasks_count_update;
      DROP INDEX tasks_state_id;
    `,
  },
  {
    version: 13,
    name: 'finished workflows by finish time, for retention',
    sql: WORKFLOWS_FINISHED_INDEX_SQL,
  },
];

/**
 * Apply every migration not yet recorded in `schema_migrations`, each in its own transaction.
 * Idempotent: a second run finds nothing to do. Returns the versions applied.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (r) => r.version,
    ),
  );
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  const done: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      // Another process may have applied it since we looked.
      if (db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version)) return;
      db.exec(m.sql);
      // Informational only: nothing decides behaviour on this timestamp.
      record.run(m.version, m.name, Date.now());
      done.push(m.version);
    }).immediate();
  }
  return done;
}
