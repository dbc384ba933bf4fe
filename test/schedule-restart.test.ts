import { afterAll, describe, expect, it } from 'vitest';
import { MISFIRE_GRACE_MS, type Schedule } from '../src/domain/schedule.js';
import type { Task } from '../src/domain/task.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { call, watchChanges } from './helpers/http.js';
import { spawnServer, type ServerProcess } from './helpers/processes.js';
import { tempDir } from './helpers/temp.js';

const tmp = tempDir('chronoq-sched-restart-');
const file = `${tmp.dir}/restart.db`;
const children: ServerProcess[] = [];
afterAll(async () => {
  for (const c of children) c.child.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  tmp.cleanup();
});

const EVERY = 200;
const POLICIES = { skip: 'skip', once: 'fire-once', catch3: { catchUp: 3 } } as const;

async function start(): Promise<ServerProcess> {
  const p = await spawnServer(['--db', `sqlite:${file}`, '--port', '0', '--log-level', 'warn']);
  children.push(p);
  return p;
}

/** Read the schedules and their runs from the file while no server holds it. */
async function readBack(): Promise<Map<string, { schedule: Schedule; runs: Task[] }>> {
  const store = await openSqliteStore(file);
  try {
    const out = new Map<string, { schedule: Schedule; runs: Task[] }>();
    for (const s of await store.scheduleList()) {
      out.set(s.name, { schedule: s, runs: await store.scheduleRuns(s.id, { limit: 10_000 }) });
    }
    return out;
  } finally {
    await store.close();
  }
}

/** Until `n` tasks of queue `q` have succeeded. */
async function runsDone(base: string, q: string, n: number): Promise<void> {
  const watch = await watchChanges(base);
  const ids = new Set<string>();
  await watch.until((c) => {
    if (c.queue === q && c.state === 'succeeded') ids.add(c.id);
    return ids.size >= n;
  }, 20_000);
  watch.close();
}

describe('schedules across kill -9 and restart (SQLite file, server child process)', () => {
  it('fires no time twice, and applies each misfire policy to the downtime', async () => {
    let server = await start();
    for (const [name, misfire] of Object.entries(POLICIES)) {
      const r = await call(server.url, 'POST', '/api/v1/schedules', {
        name,
        every: EVERY,
        misfire,
        task: { type: 'chronoq.noop', queue: `q-${name}` },
      });
      expect(r.status).toBe(201);
    }
    await Promise.all(Object.keys(POLICIES).map((name) => runsDone(server.url, `q-${name}`, 3)));
    server.child.kill('SIGKILL');
    await server.exited;
    const killedAt = Date.now();
    const before = await readBack();

    // The downtime under test: long enough that several fire times are missed (late by more
    // than the grace) and a few more are still on time when the server is back.
    const lastNext = Math.max(...[...before.values()].map((b) => b.schedule.nextFireAt!));
    await new Promise((r) =>
      setTimeout(r, Math.max(0, lastNext + MISFIRE_GRACE_MS + 5 * EVERY - Date.now())),
    );

    server = await start();
    await Promise.all(Object.keys(POLICIES).map((name) => runsDone(server.url, `q-${name}`, 2)));
    server.child.kill('SIGKILL');
    await server.exited;
    const after = await readBack();

    for (const name of Object.keys(POLICIES) as (keyof typeof POLICIES)[]) {
      const { schedule: was, runs: runsBefore } = before.get(name)!;
      const { runs } = after.get(name)!;
      const fireAts = runs.map((t) => t.fireAt!);
      // Exactly once: no fire time twice, and every run from before the crash kept as it was.
      expect(new Set(fireAts).size, name).toBe(fireAts.length);
      for (const t of runsBefore) expect(runs.find((r) => r.id === t.id)?.fireAt).toBe(t.fireAt);
      // Every fire time is on the schedule's grid.
      for (const t of fireAts) expect((t - was.anchorAt!) % EVERY, name).toBe(0);

      // The first pass after the restart: its tasks were all made at one `now`.
      const made = runs.filter((t) => t.createdAt > killedAt);
      const pass = Math.min(...made.map((t) => t.createdAt));
      const firstPass = made
        .filter((t) => t.createdAt === pass)
        .map((t) => t.fireAt!)
        .sort();
      const due: number[] = [];
      for (let t = was.nextFireAt!; t <= pass; t += EVERY) due.push(t);
      const missed = due.filter((t) => pass - t > MISFIRE_GRACE_MS);
      const onTime = due.filter((t) => pass - t <= MISFIRE_GRACE_MS);
      expect(missed.length, `${name}: the downtime missed fire times`).toBeGreaterThan(3);
      const kept = name === 'skip' ? [] : name === 'once' ? missed.slice(-1) : missed.slice(-3);
      expect(firstPass, name).toEqual([...kept, ...onTime]);
      // Nothing else was made for the fire times up to that pass.
      expect(fireAts.filter((t) => t >= was.nextFireAt! && t <= pass).sort(), name).toEqual([
        ...kept,
        ...onTime,
      ]);
    }
  }, 60_000);
});
