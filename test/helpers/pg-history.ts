import { withClient } from '../../src/store/testing/postgres-server.js';

/** Reads of a Chronoq Postgres database that fault tests assert on. */

/** Tasks per state. */
export async function stateCounts(url: string): Promise<Record<string, number>> {
  return withClient(url, async (c) => {
    const r = await c.query<{ state: string; n: number }>(
      'SELECT state, count(*)::int AS n FROM tasks GROUP BY state',
    );
    return Object.fromEntries(r.rows.map((row) => [row.state, row.n]));
  });
}

/** Tasks (id, attempt, state) held by a worker now. */
export async function heldBy(
  url: string,
  workerId: string,
): Promise<{ id: string; attempt: number; state: string }[]> {
  return withClient(url, async (c) => {
    const r = await c.query(
      `SELECT id, attempt, state FROM tasks
       WHERE worker_id = $1 AND state IN ('assigned', 'running', 'paused')`,
      [workerId],
    );
    return r.rows;
  });
}

export interface AssignedEvent {
  seq: number;
  taskId: string;
  attempt: number;
  token: number;
}

/** Every placement in the history, in commit order, with the leader token it was made under. */
export async function assignments(url: string): Promise<AssignedEvent[]> {
  return withClient(url, async (c) => {
    const r = await c.query(
      `SELECT seq::float8 AS seq, task_id, attempt, (detail->>'leaderToken')::int AS token
       FROM task_events WHERE kind = 'assigned' ORDER BY seq`,
    );
    return r.rows.map((row) => ({
      seq: row.seq,
      taskId: row.task_id,
      attempt: row.attempt,
      token: row.token,
    }));
  });
}

/**
 * Fencing violations in a placement history: a placement under an older leader token than one
 * already committed, or two placements of one (task, attempt).
 */
export function fencingViolations(list: AssignedEvent[]): string[] {
  const out: string[] = [];
  let highest = 0;
  const seen = new Set<string>();
  for (const e of list) {
    if (e.token < highest) {
      out.push(
        `task ${e.taskId} attempt ${e.attempt} placed under token ${e.token} after ${highest}`,
      );
    }
    highest = Math.max(highest, e.token);
    const key = `${e.taskId}:${e.attempt}`;
    if (seen.has(key)) out.push(`task ${e.taskId} attempt ${e.attempt} placed twice`);
    seen.add(key);
  }
  return out;
}

/** The end of each (task, attempt) named: when, and how (`lost`, `failed`, `succeeded`…). */
export async function attemptEnds(
  url: string,
  held: { id: string; attempt: number }[],
): Promise<Map<string, { at: number; kind: string }>> {
  if (held.length === 0) return new Map();
  return withClient(url, async (c) => {
    const r = await c.query(
      `SELECT task_id, attempt, kind, at FROM task_events
       WHERE task_id = ANY($1::text[]) AND kind IN ('lost', 'failed', 'succeeded', 'snoozed', 'cancelled', 'timeout')
       ORDER BY seq`,
      [held.map((h) => h.id)],
    );
    const out = new Map<string, { at: number; kind: string }>();
    for (const row of r.rows) {
      const key = `${row.task_id}:${row.attempt}`;
      if (!out.has(key)) out.set(key, { at: Number(row.at), kind: row.kind });
    }
    return out;
  });
}

/** The leader lease's fencing token now. */
export async function leaderToken(url: string): Promise<number> {
  return withClient(url, async (c) => {
    const r = await c.query(`SELECT token FROM leases WHERE name = 'leader'`);
    return Number(r.rows[0]?.token ?? 0);
  });
}

/** Which of `ids` the store has. */
export async function presentIds(url: string, ids: string[]): Promise<Set<string>> {
  return withClient(url, async (c) => {
    const r = await c.query('SELECT id FROM tasks WHERE id = ANY($1::text[])', [ids]);
    return new Set(r.rows.map((row) => row.id as string));
  });
}

/** A few unfinished tasks with their history, for the message of a failed wait. */
export async function describeUnfinished(
  url: string,
  limit = 3,
  explain?: (taskIds: string[]) => string,
): Promise<string> {
  return withClient(url, async (c) => {
    const counts = await c.query('SELECT state, count(*)::int AS n FROM tasks GROUP BY state');
    const open = await c.query(
      `SELECT id, state, attempt, worker_id, updated_at FROM tasks
       WHERE state NOT IN ('succeeded', 'failed', 'cancelled') ORDER BY updated_at LIMIT $1`,
      [limit],
    );
    const lines = [`states: ${JSON.stringify(counts.rows)}`];
    for (const t of open.rows) {
      const ev = await c.query(
        'SELECT at, kind, attempt, from_state, to_state, detail FROM task_events WHERE task_id = $1 ORDER BY seq',
        [t.id],
      );
      lines.push(`${JSON.stringify(t)} events: ${JSON.stringify(ev.rows)}`);
    }
    const workers = await c.query('SELECT id, status, replica_id, expires_at FROM workers');
    lines.push(`workers: ${JSON.stringify(workers.rows)}`);
    if (explain) lines.push(explain(open.rows.map((t) => t.id as string)));
    return lines.join('\n');
  });
}

/**
 * Wait until no task is unfinished; on timeout, fail with what is left and why (`explain` adds
 * what the test knows of the tasks left, e.g. the cluster's run log and process output).
 */
export async function waitAllFinished(
  url: string,
  timeoutMs: number,
  explain?: (taskIds: string[]) => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await stateCounts(url).catch(() => null);
    if (
      counts &&
      Object.keys(counts).every((s) => ['succeeded', 'failed', 'cancelled'].includes(s))
    )
      return;
    if (Date.now() > deadline) {
      throw new Error(`tasks left unfinished:\n${await describeUnfinished(url, 3, explain)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Fire times of a schedule's tasks, in order, each with how many tasks it made. */
export async function fireTimes(url: string, scheduleId: string): Promise<[number, number][]> {
  return withClient(url, async (c) => {
    const r = await c.query(
      `SELECT fire_at::float8 AS at, count(*)::int AS n FROM tasks
       WHERE schedule_id = $1 GROUP BY fire_at ORDER BY fire_at`,
      [scheduleId],
    );
    return r.rows.map((row) => [row.at, row.n]);
  });
}
