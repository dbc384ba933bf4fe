import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '../src/store/testing/postgres-server.js';
import { call, watchChanges } from './helpers/http.js';
import { spawnServer, type ServerProcess } from './helpers/processes.js';

// Three replicas on one Postgres with a short leader lease (1.5 s, renewed every 300 ms), and a
// schedule firing every second. The leader is killed (-9) again and again; whoever leads next
// goes on from the position kept in the store.
const SERVER_FLAGS = ['--port', '0', '--no-worker', '--log-level', 'warn'];
const LEASE_FLAGS = ['--lease', '1500ms', '--lease-renew', '300ms'];

let db: TestDatabase;
const replicas: ServerProcess[] = [];

const alive = () =>
  replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
const spawnReplica = async () => {
  const r = await spawnServer(['--db', db.url, ...SERVER_FLAGS, ...LEASE_FLAGS]);
  replicas.push(r);
  return r;
};

beforeAll(async () => {
  db = await startTestDatabase();
  for (let i = 0; i < 3; i++) await spawnReplica();
}, 120_000);

afterAll(async () => {
  for (const r of replicas) r.child.kill('SIGKILL');
  await Promise.all(replicas.map((r) => r.exited));
  await db?.stop();
});

/** The leader's URL as `base` sees it, once a live replica other than `not` leads. */
async function leaderUrl(base: string, not?: string): Promise<string> {
  for (const end = Date.now() + 20_000; Date.now() < end;) {
    const c = await call(base, 'GET', '/api/v1/cluster');
    const url: string | undefined = c.body.leader?.url;
    if (url && url !== not && alive().some((r) => r.url === url)) return url;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no leader within 20 s');
}

describe('a 1-second schedule on 3 Postgres replicas, the leader killed (-9) three times', () => {
  it('makes exactly one task per fire time over the whole run', async () => {
    const base = replicas[0]!.url;
    const r = await call(base, 'POST', '/api/v1/schedules', {
      name: 'tick',
      every: '1s',
      misfire: { catchUp: 100 },
      task: { type: 'chronoq.noop', queue: 'tick' },
    });
    expect(r.status).toBe(201);

    for (let round = 0; round < 3; round++) {
      const survivor = () => alive().find((x) => x.url !== leader)!.url;
      let leader = await leaderUrl(alive()[0]!.url);
      // Let the leader fire at least once in this round.
      const watch = await watchChanges(survivor());
      await watch.until((c) => c.queue === 'tick' && c.state === 'ready', 10_000);
      watch.close();
      const victim = replicas.find((x) => x.url === leader)!;
      victim.child.kill('SIGKILL');
      await victim.exited;
      leader = await leaderUrl(survivor(), victim.url);
      // The new leader catches up and fires again before the next round.
      const next = await watchChanges(leader);
      await next.until((c) => c.queue === 'tick' && c.state === 'ready', 10_000);
      next.close();
      await spawnReplica();
    }

    await call(alive()[0]!.url, 'POST', '/api/v1/schedules/tick/pause');
    const page = await call(alive()[0]!.url, 'GET', '/api/v1/tasks?queue=tick&limit=1000');
    const fireAts = (page.body.tasks as any[])
      .map((t) => Date.parse(t.fireAt))
      .sort((a, b) => a - b);
    expect(fireAts.length).toBeGreaterThan(6);
    expect(new Set(fireAts).size).toBe(fireAts.length);
    // No fire time missed either: consecutive seconds from the first to the last.
    fireAts.forEach((t, i) => expect(t - fireAts[0]!).toBe(i * 1000));
    const s = await call(alive()[0]!.url, 'GET', '/api/v1/schedules/tick');
    expect(s.body.runs).toBe(fireAts.length);
  }, 90_000);
});
