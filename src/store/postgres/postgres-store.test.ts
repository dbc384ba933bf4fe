import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskChange } from '../store.js';
import type { Task } from '../../domain/task.js';
import { openStore } from '../open.js';
import { describeStoreConformance } from '../testing/conformance.js';
import { lead, newTask, newWorker, T0 } from '../testing/fixtures.js';
import { createWorkflow, start, stepsOf } from '../testing/workflow-fixtures.js';
import {
  postgresUrlFromEnv,
  startTestDatabase,
  withClient,
  type TestDatabase,
} from '../testing/postgres-server.js';
import pg from 'pg';
import { checkCountsAcrossUpgrade } from '../testing/counts-upgrade.js';
import { driveCountPaths } from '../testing/count-paths.js';
import { migrate, MIGRATIONS } from './migrations.js';
import { clientConfig, IDLE_IN_TRANSACTION_MS } from './pool.js';
import { encodeEvent, decodePayload, MAX_PAYLOAD_BYTES } from './notifications.js';
import { FOLD_AT_DELTAS } from './task-counts.js';
import { openPostgresStore, PostgresStore, type PostgresStoreOptions } from './postgres-store.js';

// One database for the file (on CHRONOQ_TEST_POSTGRES_URL's server, or an embedded one), and a
// fresh schema for every store the tests open, so tests never see each other's rows or events.
let database: TestDatabase;
beforeAll(async () => {
  database = await startTestDatabase();
}, 120_000);
afterAll(async () => {
  await database?.stop();
}, 60_000);

let schemas = 0;
const freshSchema = () => `chronoq_t${++schemas}`;
const open = (schema = freshSchema(), opts: PostgresStoreOptions = {}) =>
  openPostgresStore(database.url, { schema, listenRetry: { minDelayMs: 20 }, ...opts });

describeStoreConformance('postgres', () => open());

/** A fresh schema with only `migrations` applied (as an older version left it). */
async function schemaMigratedWith(migrations: typeof MIGRATIONS): Promise<string> {
  const schema = freshSchema();
  const pool = new pg.Pool({
    ...clientConfig({
      url: database.url,
      schema,
      connectTimeoutMs: 10_000,
      applicationName: 'test',
    }),
    max: 1,
  });
  try {
    await migrate(pool, { schema }, migrations);
  } finally {
    await pool.end();
  }
  return schema;
}

/** `SELECT queue, state, count(*) FROM tasks GROUP BY queue, state` of `schema`, as counts. */
async function groupedCounts(schema: string): Promise<Map<string, Record<string, number>>> {
  const { rows } = await withClient(database.url, (c) =>
    c.query<{ queue: string; state: string; n: number }>(
      `SELECT queue, state, count(*)::int AS n FROM ${schema}.tasks GROUP BY queue, state`,
    ),
  );
  const out = new Map<string, Record<string, number>>();
  for (const r of rows) out.set(r.queue, { ...out.get(r.queue), [r.state]: r.n });
  return out;
}

/** Poll until `check` holds (or fail after `timeoutMs`). */
async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two stores (two pools) on one schema, migrated at once; closed by the returned function. */
async function twoReplicas(): Promise<{
  a: PostgresStore;
  b: PostgresStore;
  schema: string;
  close(): Promise<void>;
}> {
  const schema = freshSchema();
  const [a, b] = await Promise.all([open(schema), open(schema)]);
  await Promise.all([a.migrate(), b.migrate()]);
  return { a, b, schema, close: async () => void (await Promise.all([a.close(), b.close()])) };
}

describe('postgres driver', () => {
  it('applies each migration once when replicas migrate at once', async () => {
    const schema = freshSchema();
    const stores = await Promise.all([open(schema), open(schema), open(schema)]);
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      await stores[0]!.migrate();
      const rows = await withClient(database.url, (c) =>
        c.query(`SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`),
      );
      expect(rows.rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('is opened by openStore for postgres:// and postgresql:// URLs', async () => {
    for (const url of [database.url, database.url.replace(/^postgres:/, 'postgresql:')]) {
      const store = await openStore(url);
      expect(store).toBeInstanceOf(PostgresStore);
      expect(store.driver).toBe('postgres');
      await store.close();
    }
  });

  it('delivers a change made by one replica to the other, and each event once', async () => {
    const { a, b, close } = await twoReplicas();
    try {
      const seenA: TaskChange[] = [];
      const seenB: TaskChange[] = [];
      a.subscribe((e) => e.kind === 'tasks' && seenA.push(...e.changes));
      b.subscribe((e) => e.kind === 'tasks' && seenB.push(...e.changes));
      await Promise.all([a.listening(), b.listening()]);
      const [res] = await a.taskInsert([newTask()], T0);
      expect(seenA.map((c) => c.id)).toEqual([res!.task.id]);
      await until(() => seenB.length > 0);
      expect(seenB).toEqual(seenA);
      const workers: string[] = [];
      a.subscribe((e) => e.kind === 'workers' && workers.push('a'));
      await b.workerUpsert(newWorker({ id: 'w-b' }));
      await until(() => workers.length > 0);
      await sleep(100); // time for a duplicate (an echo of our own NOTIFY) to show up
      expect(seenA).toHaveLength(1);
      expect(seenB).toHaveLength(1);
      expect(workers).toEqual(['a']);
    } finally {
      await close();
    }
  });

  it('splits large change lists over several notifications', async () => {
    const { a, b, close } = await twoReplicas();
    try {
      const events: number[] = [];
      const ids = new Set<string>();
      b.subscribe((e) => {
        if (e.kind !== 'tasks') return;
        events.push(e.changes.length);
        for (const c of e.changes) ids.add(c.id);
      });
      await b.listening();
      const res = await a.taskInsert(
        Array.from({ length: 300 }, () =>
          newTask({ queue: 'a-rather-long-queue-name-'.repeat(3) }),
        ),
        T0,
      );
      await until(() => ids.size === 300);
      expect(events.length).toBeGreaterThan(1);
      expect([...ids].sort()).toEqual(res.map((r) => r.task.id).sort());
    } finally {
      await close();
    }
  });

  it('encodes notification payloads under the NOTIFY limit and decodes them', () => {
    const changes: TaskChange[] = Array.from({ length: 500 }, (_, i) => ({
      id: `task-${i}`,
      queue: 'q',
      state: 'ready',
      want: 'run',
      workerId: null,
      attempt: 0,
      runAt: null,
    }));
    const { payloads, dropped } = encodeEvent('me', { kind: 'tasks', changes });
    expect(dropped).toBe(0);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(MAX_PAYLOAD_BYTES);
    const decoded = payloads.map((p) => decodePayload(p)!);
    expect(decoded.every((d) => d.source === 'me')).toBe(true);
    expect(decoded.flatMap((d) => (d.event.kind === 'tasks' ? d.event.changes : []))).toEqual(
      changes,
    );
    expect(decodePayload('not json')).toBeNull();
    expect(decodePayload('{"s":"x","e":{"kind":"other"}}')).toBeNull();
  });

  it('never assigns a task twice when two stores place with the same fence at once', async () => {
    const { a, b, close } = await twoReplicas();
    try {
      const fence = await lead(a);
      const tasks = (
        await a.taskInsert(
          Array.from({ length: 60 }, () => newTask()),
          T0,
        )
      ).map((r) => r.task);
      // Opposite orders, so without row locks in id order the two would also deadlock.
      const forward = tasks.map((t) => ({ taskId: t.id, workerId: 'wa' }));
      const backward = [...tasks].reverse().map((t) => ({ taskId: t.id, workerId: 'wb' }));
      const rounds = await Promise.all([
        a.taskAssign(fence, forward, T0 + 1),
        b.taskAssign(fence, backward, T0 + 1),
        a.taskAssign(fence, forward.slice(0, 30), T0 + 1),
        b.taskAssign(fence, backward.slice(0, 30), T0 + 1),
      ]);
      const moved = rounds.flat();
      expect(moved).toHaveLength(60);
      expect(new Set(moved.map((t) => t.id)).size).toBe(60);
      for (const t of moved) {
        expect(t.attempt).toBe(1);
        expect(await a.taskGet(t.id)).toEqual(t);
      }
    } finally {
      await close();
    }
  });

  it('inserts each idempotency key once when two stores submit at once, in any order', async () => {
    const { a, b, close } = await twoReplicas();
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
      const specs = keys.map((k) => newTask({ idempotencyKey: k }));
      const [ra, rb] = await Promise.all([
        a.taskInsert(specs, T0),
        b.taskInsert([...specs].reverse(), T0),
      ]);
      const created = [...ra!, ...rb!].filter((r) => r.created);
      expect(created).toHaveLength(30);
      expect(new Map(ra!.map((r) => [r.task.idempotencyKey, r.task.id]))).toEqual(
        new Map(rb!.map((r) => [r.task.idempotencyKey, r.task.id])),
      );
      expect((await a.taskList({ limit: 100 })).tasks).toHaveLength(30);
    } finally {
      await close();
    }
  });

  it('applies report batches over the same tasks from two stores without deadlock', async () => {
    const { a, b, close } = await twoReplicas();
    try {
      const fence = await lead(a);
      const tasks = (
        await a.taskInsert(
          Array.from({ length: 30 }, () => newTask()),
          T0,
        )
      ).map((r) => r.task);
      await a.taskAssign(
        fence,
        tasks.map((t) => ({ taskId: t.id, workerId: 'w1' })),
        T0,
      );
      const started = tasks.map((t) => ({ kind: 'started' as const, taskId: t.id, attempt: 1 }));
      const progress = (p: number) =>
        tasks.map((t) => ({ kind: 'progress' as const, taskId: t.id, attempt: 1, progress: p }));
      const results = await Promise.all([
        a.taskReport(started, T0 + 1, () => 0.5),
        b.taskReport([...started].reverse(), T0 + 1, () => 0.5),
        a.taskReport(progress(0.25), T0 + 2, () => 0.5),
        b.taskReport(progress(0.5).reverse(), T0 + 2, () => 0.5),
      ]);
      expect(results.flat().every((r) => r.accepted)).toBe(true);
      for (const t of tasks) expect((await a.taskGet(t.id))!.state).toBe('running');
    } finally {
      await close();
    }
  });

  it('advances a workflow once when two replicas end its steps at once', async () => {
    const { a, b, close } = await twoReplicas();
    try {
      const fence = await lead(a);
      const width = 6;
      const roots = Array.from({ length: width }, (_, i) => ({ id: `r${i}` }));
      for (let round = 0; round < 5; round++) {
        const id = await createWorkflow(a, [
          ...roots,
          { id: 'join', dependsOn: roots.map((r) => r.id) },
        ]);
        const steps = await stepsOf(a, id);
        const running = await Promise.all(
          roots.map((r) => start(a, fence, steps.get(r.id)!, T0 + 1)),
        );
        // Every root ends at once, half through each replica: the join sees all of them.
        const results = await Promise.all(
          running.map((t, i) =>
            (i % 2 === 0 ? a : b).taskReport(
              [{ kind: 'succeeded', taskId: t.id, attempt: t.attempt, result: i }],
              T0 + 2,
              () => 0.5,
            ),
          ),
        );
        expect(results.flat().every((r) => r.accepted)).toBe(true);
        const join = (await stepsOf(b, id)).get('join')!;
        expect(join.state).toBe('ready');
        const events = await b.taskEvents(join.id);
        expect(events.filter((e) => e.kind === 'unblock')).toHaveLength(1);
      }
    } finally {
      await close();
    }
  });

  it('promotes each due task once when two stores promote at once', async () => {
    const { a, b, close } = await twoReplicas();
    try {
      const fence = await lead(a);
      await a.taskInsert(
        Array.from({ length: 40 }, (_, i) => newTask({ runAt: T0 + 1 + i })),
        T0,
      );
      const counts = await Promise.all([
        a.taskPromoteDue(fence, T0 + 100, 15),
        b.taskPromoteDue(fence, T0 + 100, 15),
        a.taskPromoteDue(fence, T0 + 100, 15),
        b.taskPromoteDue(fence, T0 + 100, 15),
      ]);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(40);
      expect((await a.taskCounts()).get('default')).toEqual({ ready: 40 });
    } finally {
      await close();
    }
  });

  it('survives the loss of the listening connection and hears changes again', async () => {
    const { a, b, close } = await twoReplicas();
    try {
      const ids: string[] = [];
      b.subscribe((e) => e.kind === 'tasks' && ids.push(...e.changes.map((c) => c.id)));
      await b.listening();
      const pid = b.listenerPid;
      expect(pid).not.toBeNull();
      await withClient(database.url, (c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
      await until(() => b.listenerPid !== null && b.listenerPid !== pid);
      await b.listening();
      const [res] = await a.taskInsert([newTask()], T0);
      await until(() => ids.includes(res!.task.id));
      expect(ids).toEqual([res!.task.id]);
    } finally {
      await close();
    }
  });

  it('has Postgres end a session left idle in a transaction (a frozen replica), freeing its locks', async () => {
    const config = clientConfig({
      url: database.url,
      schema: 'chronoq_x',
      connectTimeoutMs: 1000,
      applicationName: 'chronoq',
    });
    const shown = await withClient(database.url, async () => {
      const c = new pg.Client(config);
      await c.connect();
      try {
        const r = await c.query(
          `SELECT current_setting('idle_in_transaction_session_timeout') AS t,
                  current_setting('search_path') AS p`,
        );
        return r.rows[0];
      } finally {
        await c.end();
      }
    });
    expect(shown).toEqual({ t: `${IDLE_IN_TRANSACTION_MS / 1000}s`, p: 'chronoq_x' });
  });

  it('survives the loss of pooled connections: later calls succeed', async () => {
    const store = await open();
    try {
      await store.migrate();
      await store.taskInsert([newTask()], T0);
      await withClient(database.url, (c) =>
        c.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE application_name = 'chronoq' AND datname = current_database()
             AND pid <> pg_backend_pid()`,
        ),
      );
      await sleep(50);
      // A call may meet a connection that died while idle and fail; the next ones succeed.
      await store.taskList({ limit: 10 }).catch(() => undefined);
      expect((await store.taskList({ limit: 10 })).tasks).toHaveLength(1);
      await store.taskInsert([newTask()], T0);
      expect((await store.taskList({ limit: 10 })).tasks).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  // Needs a server of our own to stop: runs on the embedded server only.
  it.skipIf(postgresUrlFromEnv() !== null)(
    'fails calls while the server is down, then works again and hears changes',
    async () => {
      const { a, b, close } = await twoReplicas();
      try {
        const ids: string[] = [];
        b.subscribe((e) => e.kind === 'tasks' && ids.push(...e.changes.map((c) => c.id)));
        await b.listening();
        await database.restart!(async () => {
          await expect(a.taskList({ limit: 1 })).rejects.toThrow();
          await expect(a.taskInsert([newTask()], T0)).rejects.toThrow();
        });
        await until(async () => {
          try {
            await a.taskList({ limit: 1 });
            return true;
          } catch {
            return false;
          }
        }, 10_000);
        await b.listening();
        const [res] = await a.taskInsert([newTask()], T0);
        await until(() => ids.includes(res!.task.id), 10_000);
        expect((await b.taskList({ limit: 10 })).tasks.map((t) => t.id)).toEqual([res!.task.id]);
      } finally {
        await close();
      }
    },
  );

  it('fails calls with an error, without crashing, while the server is unreachable', async () => {
    const url = new URL(database.url);
    url.port = '1'; // nothing listens there
    const store = await openPostgresStore(url.toString(), { connectTimeoutMs: 2000 });
    try {
      await expect(store.taskGet('x')).rejects.toThrow();
      await expect(store.migrate()).rejects.toThrow();
      store.subscribe(() => {}); // the listener retries in the background without throwing
      await sleep(50);
    } finally {
      await store.close();
    }
  });

  it('keeps the schemas of one database apart, data and change events', async () => {
    const x = await open();
    const y = await open();
    try {
      await Promise.all([x.migrate(), y.migrate()]);
      const heard: string[] = [];
      y.subscribe((e) => heard.push(e.kind));
      await y.listening();
      await x.taskInsert([newTask()], T0);
      await sleep(100);
      expect(heard).toEqual([]);
      expect((await y.taskList({ limit: 10 })).tasks).toEqual([]);
    } finally {
      await Promise.all([x.close(), y.close()]);
    }
  });

  it('migration 10 counts the tasks stored before it', async () => {
    // 12 builds on 10: without 10, the store meets neither.
    const schema = await schemaMigratedWith(
      MIGRATIONS.filter((m) => m.version !== 10 && m.version !== 12),
    );
    // The store's statements need nothing of migration 10 until `migrate()`.
    const store = await open(schema);
    try {
      await checkCountsAcrossUpgrade(store, async () => {
        expect(await store.taskCountsFold()).toBe(0); // counted into task_counts, no deltas
      });
    } finally {
      await store.close();
    }
  });

  it('migration 12 keeps the counts the UPDATE trigger kept, then counts state changes itself', async () => {
    const schema = await schemaMigratedWith(MIGRATIONS.filter((m) => m.version < 12));
    const store = await open(schema);
    try {
      await checkCountsAcrossUpgrade(store);
      const triggers = await withClient(database.url, (c) =>
        c.query<{ tgname: string }>(
          `SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal
           ORDER BY tgname`,
          [`${schema}.tasks`],
        ),
      );
      expect(triggers.rows.map((r) => r.tgname)).toEqual([
        'tasks_count_delete',
        'tasks_count_insert',
      ]);
    } finally {
      await store.close();
    }
  });

  it('keeps counts exact when migration 12 is applied under another replica writing', async () => {
    const schema = await schemaMigratedWith(MIGRATIONS.filter((m) => m.version < 12));
    // `a` writes throughout (its own migrate() ran on the old schema, as a replica started
    // earlier would have); `b` applies migration 12 in the middle.
    const [a, b] = await Promise.all([open(schema), open(schema)]);
    try {
      const fence = await lead(a, T0, 'leader-a', 60_000);
      let migrated = false;
      const writer = async () => {
        for (let i = 0; !migrated || i < 40; i++) {
          const [x, y] = await a.taskInsert(
            [newTask({ queue: `m${i % 2}` }), newTask({ queue: 'm', runAt: T0 + 1 })],
            T0 + i,
          );
          await a.taskAct(x!.task.id, 'cancel', T0 + i, null);
          await a.taskPromoteDue(fence, T0 + 1, 1);
          await a.taskAssign(fence, [{ taskId: y!.task.id, workerId: 'w' }], T0 + i);
        }
      };
      const migrator = async () => {
        await sleep(50);
        await b.migrate();
        migrated = true;
      };
      await Promise.all([writer(), migrator()]);
      expect(await a.taskCounts()).toEqual(await groupedCounts(schema));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('keeps the counts of SELECT queue, state, count(*) through every state change', async () => {
    const schema = freshSchema();
    const store = await open(schema);
    try {
      await store.migrate();
      await driveCountPaths(store, async (step) => {
        expect(await store.taskCounts(), step).toEqual(await groupedCounts(schema));
      });
    } finally {
      await store.close();
    }
  });

  it('keeps counts exact under replicas racing on the same tasks', async () => {
    const { a, b, schema, close } = await twoReplicas();
    try {
      const ids = (
        await a.taskInsert(
          Array.from({ length: 60 }, (_, i) =>
            newTask({ queue: `r${i % 3}`, runAt: i % 2 === 0 ? null : T0 + 1_000 }),
          ),
          T0,
        )
      ).map((r) => r.task.id);
      const fa = await lead(a, T0, 'leader-a', 60_000);
      const fb = { ...fa }; // the same lease: both act as the leader, as a deposed one may
      const random = () => 0.5;
      // Each replica promotes, cancels (a range overlapping the other's), assigns every ready
      // task it sees, starts them and finishes some: the same rows, locked in turn.
      const replica = async (s: PostgresStore, fence: typeof fa, offset: number) => {
        for (let round = 0; round < 3; round++) {
          await s.taskPromoteDue(fence, T0 + 1_000, 7);
          const from = offset * 5 + round * 10;
          for (const id of ids.slice(from, from + 10))
            await s.taskAct(id, 'cancel', T0 + 1_000, null);
          const ready = (await s.taskList({ limit: 100, states: ['ready'] })).tasks;
          const moved = await s.taskAssign(
            fence,
            ready.map((t) => ({ taskId: t.id, workerId: `w${offset}` })),
            T0 + 1_001,
          );
          await s.taskReport(
            moved.map((t) => ({ kind: 'started' as const, taskId: t.id, attempt: t.attempt })),
            T0 + 1_002,
            random,
          );
          await s.taskReport(
            moved.slice(0, 5).map((t) => ({
              kind: 'succeeded' as const,
              taskId: t.id,
              attempt: t.attempt,
              result: 1,
            })),
            T0 + 1_004,
            random,
          );
        }
      };
      await Promise.all([replica(a, fa, 0), replica(b, fb, 1), a.taskCountsFold()]);
      const want = await groupedCounts(schema);
      // Every path ran: some promoted, some assigned and started, some finished, some cancelled.
      const states = new Set([...want.values()].flatMap((byState) => Object.keys(byState)));
      expect([...states].sort()).toEqual(['cancelled', 'running', 'succeeded']);
      expect(await a.taskCounts()).toEqual(want);
      await b.taskCountsFold();
      expect(await b.taskCounts()).toEqual(want);
    } finally {
      await close();
    }
  });

  it('decides a report from the row when another replica changed the task since this one placed it', async () => {
    const { a, b, close } = await twoReplicas();
    try {
      const random = () => 0.5;
      const fence = await lead(a, T0, 'leader-a', 60_000);
      const inserted = await a.taskInsert([newTask(), newTask()], T0);
      const [t, u] = inserted.map((r) => r.task) as [Task, Task];
      await a.taskAssign(
        fence,
        [
          { taskId: t.id, workerId: 'w1' },
          { taskId: u.id, workerId: 'w1' },
        ],
        T0 + 1,
        await a.taskReadyBatch(10),
      );

      // t: started through b, then finished through a, which placed it (and saw it assigned).
      await b.taskReport([{ kind: 'started', taskId: t.id, attempt: 1 }], T0 + 2, random);
      const [done] = await a.taskReport(
        [{ kind: 'succeeded', taskId: t.id, attempt: 1, result: 'ok' }],
        T0 + 5,
        random,
      );
      expect(done).toMatchObject({
        accepted: true,
        task: { state: 'succeeded', startedAt: T0 + 2 },
      });
      expect(await a.taskGet(t.id)).toMatchObject({ state: 'succeeded', startedAt: T0 + 2 });

      // u: its worker lost before it started, placed again through b as attempt 2 on w2.
      await b.taskRequeueFromWorkers(fence, ['w1'], T0 + 3, random);
      const [again] = await b.taskAssign(fence, [{ taskId: u.id, workerId: 'w2' }], T0 + 4);
      expect(again).toMatchObject({ attempt: 2, workerId: 'w2' });
      const [started, stale] = await a.taskReport(
        [
          { kind: 'started', taskId: u.id, attempt: 2 },
          { kind: 'started', taskId: u.id, attempt: 1 },
        ],
        T0 + 6,
        random,
      );
      expect(started).toMatchObject({ accepted: true, task: { state: 'running', workerId: 'w2' } });
      expect(stale).toMatchObject({ accepted: false });
      expect(await a.taskGet(u.id)).toMatchObject({ state: 'running', attempt: 2, workerId: 'w2' });
      // A later report through a is decided from what a wrote last.
      const [ok] = await a.taskReport(
        [{ kind: 'succeeded', taskId: u.id, attempt: 2, result: 1 }],
        T0 + 7,
        random,
      );
      expect(ok).toMatchObject({ accepted: true, task: { state: 'succeeded' } });
      expect((await a.taskAttempts(u.id)).map((x) => [x.attempt, x.workerId])).toEqual([
        [1, 'w1'],
        [2, 'w2'],
      ]);
    } finally {
      await close();
    }
  });

  it('keeps counts exact under concurrent writers and folds', async () => {
    const { a, b, close } = await twoReplicas();
    try {
      // Many small write statements from two pools at once, with folds running meanwhile.
      const writer = (s: PostgresStore, queue: string) => async () => {
        for (let i = 0; i < 30; i++) {
          const [res] = await s.taskInsert([newTask({ queue }), newTask({ queue })], T0 + i);
          await s.taskAct(res!.task.id, 'cancel', T0 + i, null);
        }
      };
      const folds = async () => {
        for (let i = 0; i < 10; i++) await Promise.all([a.taskCountsFold(), b.taskCountsFold()]);
      };
      await Promise.all([writer(a, 'x')(), writer(b, 'x')(), writer(b, 'y')(), folds()]);
      const want = new Map([
        ['x', { ready: 60, cancelled: 60 }],
        ['y', { ready: 30, cancelled: 30 }],
      ]);
      expect(await a.taskCounts()).toEqual(want);
      expect(await b.taskCountsFold()).toBeGreaterThanOrEqual(0);
      expect(await b.taskCounts()).toEqual(want);
    } finally {
      await close();
    }
  });

  it('folds the deltas when a count read finds many', async () => {
    const schema = freshSchema();
    const store = await open(schema);
    try {
      await store.migrate();
      await store.taskInsert([newTask({ queue: 'z' })], T0);
      const deltas = async () =>
        (
          await withClient(database.url, (c) =>
            c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.task_count_deltas`),
          )
        ).rows[0]!.n;
      // Changes that net to nothing, as many as make a read fold.
      await withClient(database.url, (c) =>
        c.query(
          `INSERT INTO ${schema}.task_count_deltas (queue, state, n)
           SELECT 'z', 'ready', 0 FROM generate_series(1, $1)`,
          [FOLD_AT_DELTAS - 1],
        ),
      );
      expect(await deltas()).toBe(FOLD_AT_DELTAS);
      expect(await store.taskCounts()).toEqual(new Map([['z', { ready: 1 }]]));
      expect(await deltas()).toBe(0);
      expect(await store.taskCounts('z')).toEqual(new Map([['z', { ready: 1 }]]));
    } finally {
      await store.close();
    }
  });

  it('refuses calls after close', async () => {
    const store = await open();
    await store.migrate();
    await store.close();
    await store.close();
    await expect(store.taskGet('x')).rejects.toThrow(/closed/);
    await expect(store.taskInsert([newTask()], T0)).rejects.toThrow(/closed/);
  });
});
