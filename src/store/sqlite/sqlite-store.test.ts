import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, sqlitePath } from '../open.js';
import type { TaskFilter } from '../store.js';
import { describeStoreConformance } from '../testing/conformance.js';
import { fixedRandom, lead, newTask, newWorker, T0 } from '../testing/fixtures.js';
import { checkCountsAcrossUpgrade } from '../testing/counts-upgrade.js';
import { driveCountPaths } from '../testing/count-paths.js';
import { migrate, MIGRATIONS } from './migrations.js';
import { openSqliteStore, SqliteStore } from './sqlite-store.js';
import { MAX_BRANCHES, taskListSql, type QueueState } from './task-list.js';

const dir = mkdtempSync(join(tmpdir(), 'chronoq-sqlite-'));
let n = 0;
const nextFile = () => join(dir, `store-${++n}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A new database file with only `migrations` applied (as an older version left it). */
function fileMigratedWith(migrations: typeof MIGRATIONS): string {
  const file = nextFile();
  const db = new Database(file);
  try {
    migrate(db, migrations);
  } finally {
    db.close();
  }
  return file;
}

describeStoreConformance('sqlite (file)', () => openSqliteStore(nextFile()));
describeStoreConformance('sqlite (memory)', () => openStore('sqlite::memory:'));

describe('sqlite driver', () => {
  it('keeps data across close and reopen', async () => {
    const file = nextFile();
    const first = await openSqliteStore(file);
    await first.migrate();
    const [res] = await first.taskInsert([newTask({ payload: { keep: true } })], T0);
    await first.queueUpdate('default', { paused: true });
    await first.close();
    const second = await openStore(`sqlite:${file}`);
    await second.migrate();
    expect(await second.taskGet(res!.task.id)).toEqual(res!.task);
    expect((await second.queueGet('default')).paused).toBe(true);
    await second.close();
  });

  it('records each migration once; a second run applies nothing', () => {
    const db = new Database(nextFile());
    try {
      expect(migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(migrate(db)).toEqual([]);
      const rows = db.prepare('SELECT version, name FROM schema_migrations').all();
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    } finally {
      db.close();
    }
  });

  it('numbers migrations uniquely and in order', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
  });

  it('opens in WAL mode', async () => {
    const file = nextFile();
    const store = await openSqliteStore(file);
    await store.close();
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses calls after close', async () => {
    const store = await openSqliteStore(':memory:');
    await store.migrate();
    await store.close();
    await store.close();
    await expect(store.taskGet('x')).rejects.toThrow(/closed/);
  });

  it('uses the ready and on-worker indexes', () => {
    const db = new Database(':memory:');
    migrate(db);
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
        .map((r) => r.detail)
        .join('; ');
    expect(
      plan(`SELECT * FROM tasks WHERE state = 'ready' ORDER BY priority DESC, due_at, id LIMIT 10`),
    ).toMatch(/tasks_ready/);
    expect(
      plan(
        `SELECT * FROM tasks WHERE state IN ('assigned', 'running', 'paused') AND worker_id = 'w'`,
      ),
    ).toMatch(/tasks_on_worker/);
    expect(plan(`SELECT min(run_at) FROM tasks WHERE state = 'pending'`)).toMatch(/tasks_pending/);
    db.close();
  });

  it('lists tasks from an index in id order for queue, state and queue + state filters', () => {
    const db = new Database(':memory:');
    migrate(db);
    const plan = (filter: Omit<TaskFilter, 'limit'>, pairs: QueueState[]) => {
      const { sql, params } = taskListSql({ limit: 50, ...filter }, pairs)!;
      return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map(
        (r) => r.detail,
      );
    };
    const pairsOf = (states: string[], queues: number) =>
      states.flatMap((state) =>
        Array.from({ length: queues }, (_, i) => ({ queue: `q${i}`, state })),
      );
    const byPair =
      /^SEARCH tasks USING (COVERING )?INDEX tasks_queue_state \(queue=\? AND state=\?/;
    // [filter, pairs holding tasks of its states, index of every read, reads]
    const cases: [Omit<TaskFilter, 'limit'>, QueueState[], RegExp, number][] = [
      [{ queue: 'q' }, [], /^SEARCH tasks USING INDEX tasks_queue_id \(queue=\?\)$/, 1],
      [
        { queue: 'q', cursor: 'x' },
        [],
        /^SEARCH tasks USING INDEX tasks_queue_id \(queue=\? AND id<\?\)$/,
        1,
      ],
      [
        { queue: 'q', states: ['failed'] },
        [],
        /^SEARCH tasks USING INDEX tasks_queue_state \(queue=\? AND state=\?\)$/,
        1,
      ],
      [
        { queue: 'q', states: ['ready', 'pending'] },
        [],
        /^SEARCH tasks USING INDEX tasks_queue_state/,
        2,
      ],
      [{ workflowId: 'w', states: ['ready'] }, [], /^SEARCH tasks USING INDEX tasks_workflow/, 1],
      // Across queues: one read per (queue, state) pair, padded past 8 to a power of two.
      [{ states: ['running'] }, pairsOf(['running'], 1), byPair, 1],
      [{ states: ['failed', 'running'], type: 't' }, pairsOf(['failed', 'running'], 3), byPair, 6],
      [{ states: ['ready'], cursor: 'x' }, pairsOf(['ready'], 9), /id<\?\)$/, 16],
      [{ states: ['ready'], label: ['a', 'b'] }, pairsOf(['ready'], 300), byPair, MAX_BRANCHES],
      [{ states: ['ready', 'failed'] }, pairsOf(['ready', 'failed'], 200), byPair, MAX_BRANCHES],
      // More pairs than one compound SELECT may name: the primary key, backwards.
      [
        { states: ['ready', 'failed'] },
        pairsOf(['ready', 'failed'], 201),
        /^SCAN tasks USING INDEX sqlite_autoindex_tasks_1$/,
        1,
      ],
      [
        { states: ['ready'], cursor: 'x', type: 't' },
        pairsOf(['ready'], MAX_BRANCHES + 1),
        /^SEARCH tasks USING INDEX sqlite_autoindex_tasks_1 \(id<\?\)$/,
        1,
      ],
    ];
    for (const [filter, pairs, index, count] of cases) {
      const steps = plan(filter, pairs);
      const reads = steps.filter((s) => /^(SEARCH|SCAN) tasks/.test(s));
      const label = `${JSON.stringify(filter)} over ${pairs.length} pairs`;
      expect(reads.length, label).toBe(count);
      for (const step of reads) expect(step, label).toMatch(index);
      if (count > 1) expect(steps, label).toContain('MERGE (UNION ALL)');
      // No sort but for a workflow's few tasks.
      if (filter.workflowId === undefined)
        expect(steps.join('; '), label).not.toMatch(/TEMP B-TREE/);
    }
    // No pair holds tasks of the states: nothing to read.
    expect(taskListSql({ limit: 50, states: ['failed'] }, [])).toBeNull();
    db.close();
  });

  it('migration 10 counts the tasks stored before it', async () => {
    const file = fileMigratedWith(MIGRATIONS.filter((m) => m.version < 10));
    // The store's statements need nothing newer than migration 9 until `migrate()`.
    const store = await openSqliteStore(file);
    try {
      await checkCountsAcrossUpgrade(store);
    } finally {
      await store.close();
    }
  });

  it('migration 12 keeps the counts the UPDATE trigger kept, counts state changes itself, drops the state index', async () => {
    const file = fileMigratedWith(MIGRATIONS.filter((m) => m.version < 12));
    const store = await openSqliteStore(file);
    try {
      await checkCountsAcrossUpgrade(store);
      const check = new Database(file, { readonly: true });
      const triggers = check
        .prepare(`SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name`)
        .pluck()
        .all();
      const stateIndex = check.prepare(`SELECT 1 FROM sqlite_schema WHERE name = 'tasks_state_id'`);
      expect(stateIndex.get()).toBeUndefined();
      check.close();
      expect(triggers).toEqual(['tasks_count_delete', 'tasks_count_insert']);
    } finally {
      await store.close();
    }
  });

  it('keeps the counts of SELECT queue, state, count(*) through every state change', async () => {
    const file = nextFile();
    const store = await openSqliteStore(file);
    await store.migrate();
    const db = new Database(file, { readonly: true });
    try {
      const grouped = () => {
        const out = new Map<string, Record<string, number>>();
        const rows = db
          .prepare('SELECT queue, state, count(*) AS n FROM tasks GROUP BY queue, state')
          .all() as { queue: string; state: string; n: number }[];
        for (const r of rows) out.set(r.queue, { ...out.get(r.queue), [r.state]: r.n });
        return out;
      };
      await driveCountPaths(store, async (step) => {
        expect(await store.taskCounts(), step).toEqual(grouped());
        expect(db.prepare('SELECT count(*) FROM task_counts WHERE n < 0').pluck().get(), step).toBe(
          0,
        );
      });
    } finally {
      db.close();
      await store.close();
    }
  });
});

describe('openStore', () => {
  it('parses sqlite URLs and bare paths', () => {
    expect(sqlitePath('sqlite:./x.db')).toBe('./x.db');
    expect(sqlitePath('sqlite:/abs/x.db')).toBe('/abs/x.db');
    expect(sqlitePath('sqlite:///abs/x.db')).toBe('/abs/x.db');
    expect(sqlitePath('sqlite::memory:')).toBe(':memory:');
    expect(sqlitePath('./bare.db')).toBe('./bare.db');
    expect(() => sqlitePath('sqlite:')).toThrow(/no file/);
    expect(() => sqlitePath('mysql://host/db')).toThrow(/unsupported/);
  });

  it('opens a SQLite store from a bare path', async () => {
    const file = nextFile();
    const store = await openStore(file);
    expect(store).toBeInstanceOf(SqliteStore);
    expect(store.driver).toBe('sqlite');
    await store.close();
    expect(existsSync(file)).toBe(true);
  });

  it('opens the Postgres driver for postgres:// URLs (without connecting yet)', async () => {
    for (const url of ['postgres://u:p@127.0.0.1:1/db', 'postgresql://127.0.0.1:1/db']) {
      const store = await openStore(url);
      expect(store.driver).toBe('postgres');
      await store.close();
    }
  });

  it('sees a change another connection made to a task it read before (task cache)', async () => {
    const file = nextFile();
    const a = await openSqliteStore(file);
    await a.migrate();
    const b = await openSqliteStore(file);
    await a.workerUpsert(newWorker({ expiresAt: T0 + 60_000 }));
    const fence = await lead(a, T0, 'leader-1', 60_000);
    const [one, two] = await a.taskInsert([newTask(), newTask()], T0);
    // `a` reads both (and keeps them), then `b` cancels one and starts nothing.
    expect((await a.taskReadyBatch(10)).map((t) => t.id)).toEqual([one!.task.id, two!.task.id]);
    await b.taskAct(one!.task.id, 'cancel', T0 + 1, null);
    const moved = await a.taskAssign(
      fence,
      [one!, two!].map(({ task }) => ({ taskId: task.id, workerId: 'w1' })),
      T0 + 2,
    );
    expect(moved.map((t) => t.id)).toEqual([two!.task.id]);
    expect((await a.taskGet(one!.task.id))?.state).toBe('cancelled');
    // `b` fails the attempt `a` placed; `a` then reports on it and sees the retry, not its copy.
    await b.taskReport(
      [{ kind: 'failed', taskId: two!.task.id, attempt: 1, error: { message: 'boom' } }],
      T0 + 3,
      fixedRandom(),
    );
    const [late] = await a.taskReport(
      [{ kind: 'started', taskId: two!.task.id, attempt: 1 }],
      T0 + 4,
      fixedRandom(),
    );
    expect(late?.accepted).toBe(false);
    expect(await a.taskGet(two!.task.id)).toEqual(await b.taskGet(two!.task.id));
    await b.close();
    await a.close();
  });

  it('serves nothing a rolled-back write read or wrote (task cache)', async () => {
    const store = await openSqliteStore(nextFile());
    await store.migrate();
    await store.workerUpsert(newWorker({ expiresAt: T0 + 60_000 }));
    const fence = await lead(store, T0, 'leader-1', 60_000);
    const [res] = await store.taskInsert([newTask()], T0);
    const id = res!.task.id;
    // A stale fence makes the assignment throw after nothing was written.
    await expect(
      store.taskAssign({ ...fence, token: fence.token + 1 }, [{ taskId: id, workerId: 'w1' }], T0),
    ).rejects.toThrow();
    const [moved] = await store.taskAssign(fence, [{ taskId: id, workerId: 'w1' }], T0 + 1);
    expect(moved).toMatchObject({ id, state: 'assigned', attempt: 1, workerId: 'w1' });
    expect(await store.taskGet(id)).toEqual(moved);
    await store.close();
  });
});
