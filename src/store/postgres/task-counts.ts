import type { TaskState } from '../../domain/task.js';
import type { PgContext } from './context.js';

/**
 * Migration 10: exact task counts per (queue, state) that many concurrent writers keep without
 * waiting on each other.
 *
 * One counter row per pair, updated by every write, would serialise every write transaction of
 * a queue on that row (and deadlock when two transactions touch two pairs in opposite orders).
 * So writes only append: statement-level AFTER triggers read the statement's transition tables
 * and insert the statement's net change per pair into `task_count_deltas` (one row per pair the
 * statement changed; an UPDATE counts only the rows whose queue or state changed, found by
 * joining the old and new rows on id: transition tables cannot be combined with `UPDATE OF`).
 * A count is `task_counts` plus the deltas not yet folded; `chronoq_fold_task_counts()` moves
 * the deltas into `task_counts` in one statement. Triggers fire for every write path (submit,
 * transitions, operator actions, retention deletes, batch inserts, upserts), whoever writes.
 * (Migration 12 drops the UPDATE trigger: the driver counts state changes itself, below.)
 *
 * The counts start from the tasks already stored: CREATE TRIGGER locks `tasks` against writes
 * until the migration commits, so no write falls between the initial count and the triggers.
 */
export const TASK_COUNTS_MIGRATION_SQL = `
  CREATE TABLE task_counts (
    queue TEXT COLLATE "C" NOT NULL,
    state TEXT COLLATE "C" NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (queue, state)
  );
  -- Append-only between folds; no index: a fold or a read takes every row.
  CREATE TABLE task_count_deltas (
    queue TEXT COLLATE "C" NOT NULL,
    state TEXT COLLATE "C" NOT NULL,
    n BIGINT NOT NULL
  );

  CREATE FUNCTION chronoq_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO task_count_deltas (queue, state, n)
      SELECT queue, state, count(*) FROM inserted GROUP BY queue, state;
    RETURN NULL;
  END $$;
  CREATE FUNCTION chronoq_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO task_count_deltas (queue, state, n)
      SELECT queue, state, -count(*) FROM deleted GROUP BY queue, state;
    RETURN NULL;
  END $$;
  CREATE FUNCTION chronoq_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO task_count_deltas (queue, state, n)
      SELECT c.queue, c.state, sum(c.n)
      FROM before_rows o JOIN after_rows t ON t.id = o.id
        CROSS JOIN LATERAL (VALUES (o.queue, o.state, -1), (t.queue, t.state, 1)) AS c (queue, state, n)
      WHERE o.state <> t.state OR o.queue <> t.queue
      GROUP BY c.queue, c.state
      HAVING sum(c.n) <> 0;
    RETURN NULL;
  END $$;

  CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION chronoq_count_inserted();
  CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION chronoq_count_deleted();
  CREATE TRIGGER tasks_count_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chronoq_count_updated();

  INSERT INTO task_counts (queue, state, n)
    SELECT queue, state, count(*) FROM tasks GROUP BY queue, state;

  -- Folds the deltas into task_counts; returns how many delta rows it folded. One fold at a
  -- time (a second one returns 0 at once rather than wait). Exact under concurrent writes: the
  -- DELETE takes the rows committed when it starts; deltas committed later wait for the next.
  CREATE FUNCTION chronoq_fold_task_counts() RETURNS BIGINT LANGUAGE plpgsql AS $$
  DECLARE folded BIGINT;
  BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtextextended('chronoq.task_counts:' || current_schema(), 0)) THEN
      RETURN 0;
    END IF;
    WITH d AS (DELETE FROM task_count_deltas RETURNING queue, state, n),
      s AS (SELECT queue, state, sum(n) AS n, count(*) AS rows FROM d GROUP BY queue, state),
      f AS (
        INSERT INTO task_counts (queue, state, n)
          SELECT queue, state, n FROM s ORDER BY queue, state
          ON CONFLICT (queue, state) DO UPDATE SET n = task_counts.n + EXCLUDED.n
      )
    SELECT coalesce(sum(rows), 0) INTO folded FROM s;
    RETURN folded;
  END $$;
`;

/**
 * Migration 12: task UPDATEs are counted by the driver, not by a trigger. The UPDATE trigger ran
 * for every UPDATE statement of `tasks` (most change neither queue nor state), materialising its
 * old and new rows and joining them. Now a write transaction nets its own state changes per
 * (queue, state), from the rows it read and locked, and appends them with one insert
 * (`INSERT_COUNT_DELTAS`) sent with its commit: a rollback drops them with the updates, so the
 * counts stay exact under any number of concurrent writers. Inserts and deletes keep their
 * triggers (each statement of those changes counts).
 *
 * The counts stay exact across the migration: DROP TRIGGER waits for every transaction that
 * updated `tasks` under the trigger, and a transaction that updates after it finds the migration
 * recorded (`COUNTS_IN_JS_CHECK`, asked after its updates) and counts its moves itself. A replica
 * still running code from before migration 12 would not count its state changes once it is
 * applied: replicas of both versions must not write at once.
 */
export const COUNTS_IN_JS_MIGRATION_SQL = `
  DROP TRIGGER tasks_count_update ON tasks;
  DROP FUNCTION chronoq_count_updated();
`;

/** Whether migration 12 is applied (see `COUNTS_IN_JS_MIGRATION_SQL`). */
export const COUNTS_IN_JS_CHECK = `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = 12) AS ok`;

/** A transaction's net task count changes, `$1` a JSON array of `{ queue, state, n }`. */
export const INSERT_COUNT_DELTAS = `INSERT INTO task_count_deltas (queue, state, n)
  SELECT queue, state, n FROM jsonb_to_recordset($1::jsonb) AS d(queue text, state text, n bigint)`;

/** A read that finds at least this many delta rows folds them. */
export const FOLD_AT_DELTAS = 1000;

type CountRow = { queue: string; state: string; n: number; deltas: number };

const COUNTS = (where: string) => `SELECT queue, state, sum(n)::int AS n, sum(d)::int AS deltas
  FROM (
    SELECT queue, state, n, 0 AS d FROM task_counts ${where}
    UNION ALL SELECT queue, state, n, 1 AS d FROM task_count_deltas ${where}
  ) c
  GROUP BY queue, state`;

const SQL = {
  all: COUNTS(''),
  one: COUNTS('WHERE queue = $1'),
  fold: 'SELECT chronoq_fold_task_counts()::int AS folded',
};

/** Fold the pending deltas into `task_counts`; returns how many delta rows were folded. */
export async function foldTaskCounts(ctx: PgContext): Promise<number> {
  const [row] = await ctx.rows<{ folded: number }>(SQL.fold);
  return row?.folded ?? 0;
}

/**
 * Per-queue, per-state task counts (one queue's if given): `task_counts` plus the deltas not yet
 * folded, in one statement (one snapshot: a fold commits the delete and the sums at once). A
 * read that meets many deltas folds them after answering, so reads stay O(queues × states).
 */
export async function readTaskCounts(
  ctx: PgContext,
  queue?: string,
): Promise<Map<string, Partial<Record<TaskState, number>>>> {
  const rows = await (queue === undefined
    ? ctx.rows<CountRow>(SQL.all)
    : ctx.rows<CountRow>(SQL.one, [queue]));
  const out = new Map<string, Partial<Record<TaskState, number>>>();
  let deltas = 0;
  for (const r of rows) {
    deltas += r.deltas;
    if (r.n === 0) continue;
    let byState = out.get(r.queue);
    if (!byState) out.set(r.queue, (byState = {}));
    byState[r.state as TaskState] = r.n;
  }
  if (deltas >= FOLD_AT_DELTAS) await foldTaskCounts(ctx);
  return out;
}
