import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '../src/store/testing/postgres-server.js';
import { call, waitTask, watchChanges } from './helpers/http.js';
import { spawnServer, spawnWorker, type ServerProcess } from './helpers/processes.js';
import { tempDir } from './helpers/temp.js';

// Two server replicas on one Postgres and three worker processes, with short leases so that
// failures are noticed quickly: leader lease 2 s (renewed every 500 ms), worker lease 2 s.
const SERVER_FLAGS = [
  '--port',
  '0',
  '--no-worker',
  '--log-level',
  'warn',
  '--lease',
  '2s',
  '--lease-renew',
  '500ms',
  '--worker-lease',
  '2s',
  '--worker-heartbeat',
  '400ms',
];

const tmp = tempDir('chronoq-cluster-');
let db: TestDatabase;
const replicas: ServerProcess[] = [];
const workers = new Map<string, ServerProcess>();
let handlers: string;

const urls = () =>
  replicas
    .filter((r) => r.child.exitCode === null && r.child.signalCode === null)
    .map((r) => r.url);

async function startWorker(id: string, extra: string[] = []) {
  const w = await spawnWorker(
    ['--url', urls().join(','), '--id', id, '--concurrency', '4', '--handlers', handlers, ...extra],
    { WORKER_TAG: id },
  );
  workers.set(id, w);
  return w;
}

async function leader(base: string): Promise<string> {
  const c = await call(base, 'GET', '/api/v1/cluster');
  return c.body.leader?.url ?? '';
}

beforeAll(async () => {
  db = await startTestDatabase();
  handlers = join(tmp.dir, 'handlers.mjs');
  writeFileSync(
    handlers,
    `export default {
      async tagged(ctx) {
        const ms = ctx.payload?.ms ?? 0;
        const end = Date.now() + ms;
        while (Date.now() < end) {
          await new Promise((r) => setTimeout(r, Math.min(20, end - Date.now())));
          await ctx.checkpoint();
        }
        return { tag: process.env.WORKER_TAG, attempt: ctx.attempt };
      },
    };`,
  );
  for (let i = 0; i < 2; i++) replicas.push(await spawnServer(['--db', db.url, ...SERVER_FLAGS]));
  for (const id of ['w1', 'w2', 'w3']) await startWorker(id);
}, 120_000);

afterAll(async () => {
  for (const p of [...workers.values(), ...replicas]) p.child.kill('SIGKILL');
  await Promise.all([...workers.values(), ...replicas].map((p) => p.exited));
  await db?.stop();
  tmp.cleanup();
});

describe('cluster mode on Postgres: 2 replicas, 3 workers', () => {
  it('serves the whole API on every replica and says who leads', async () => {
    const [a, b] = replicas.map((r) => r.url);
    const la = await leader(a!);
    expect(la).toBe(await leader(b!));
    expect([a, b]).toContain(la);
    const c = await call(a!, 'GET', '/api/v1/cluster');
    expect(c.body.replicas.filter((r: any) => r.live)).toHaveLength(2);
    const ws = await call(b!, 'GET', '/api/v1/workers');
    expect(
      ws.body.workers
        .filter((w: any) => w.status === 'live')
        .map((w: any) => w.id)
        .sort(),
    ).toEqual(['w1', 'w2', 'w3']);
  });

  it('finishes elsewhere the tasks of a worker killed mid-task, counting attempts right', async () => {
    const base = urls()[0]!;
    const watch = await watchChanges(base);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const t = await call(base, 'POST', '/api/v1/tasks', {
        type: 'tagged',
        payload: { ms: 1500 },
        backoff: { kind: 'fixed', initialMs: 10 },
      });
      ids.push(t.body.id);
    }
    for (const id of ids) await watch.until((c) => c.id === id && c.state === 'running');
    watch.close();
    const victim = workers.get('w1')!;
    const onVictim = (await Promise.all(ids.map((id) => call(base, 'GET', `/api/v1/tasks/${id}`))))
      .filter((r) => r.body.workerId === 'w1')
      .map((r) => r.body.id);
    expect(onVictim.length).toBeGreaterThan(0);
    victim.child.kill('SIGKILL');
    await victim.exited;
    for (const id of ids) {
      const done = await waitTask(base, id, 30_000);
      expect(done.state).toBe('succeeded');
      if (onVictim.includes(id)) {
        expect(done.attempt).toBe(2);
        expect(done.result.tag).not.toBe('w1');
        const detail = await call(base, 'GET', `/api/v1/tasks/${id}`);
        expect(detail.body.attempts[0]).toMatchObject({
          attempt: 1,
          outcome: 'lost',
          workerId: 'w1',
        });
      } else {
        expect(done.attempt).toBe(1);
      }
    }
    await startWorker('w1');
  }, 60_000);

  it('refuses the late report of a worker frozen past its lease; the result is the new attempt’s', async () => {
    const base = urls()[0]!;
    const watch = await watchChanges(base);
    const t = await call(base, 'POST', '/api/v1/tasks', {
      type: 'tagged',
      payload: { ms: 1000 },
      selector: {},
      backoff: { kind: 'fixed', initialMs: 10 },
    });
    const running = await watch.until((c) => c.id === t.body.id && c.state === 'running');
    watch.close();
    const frozen = workers.get(running.workerId)!;
    frozen.child.kill('SIGSTOP');
    const done = await waitTask(base, t.body.id, 30_000);
    frozen.child.kill('SIGCONT');
    expect(done.state).toBe('succeeded');
    expect(done.attempt).toBe(2);
    expect(done.result.tag).not.toBe(running.workerId);
    // The frozen worker wakes, finishes attempt 1 and reports it: refused, nothing changes.
    const later = await call(base, 'GET', `/api/v1/tasks/${t.body.id}/wait?timeoutMs=1500`);
    expect(later.body).toMatchObject({
      state: 'succeeded',
      attempt: 2,
      result: { tag: done.result.tag },
    });
    const detail = await call(base, 'GET', `/api/v1/tasks/${t.body.id}`);
    expect(detail.body.attempts.map((a: any) => a.outcome)).toEqual(['lost', 'succeeded']);
  }, 60_000);

  it('goes on when the leader is killed: the other replica leads within the lease', async () => {
    const before = await leader(urls()[0]!);
    const dead = replicas.find((r) => r.url === before)!;
    dead.child.kill('SIGKILL');
    await dead.exited;
    const survivor = urls()[0]!;
    const t = await call(survivor, 'POST', '/api/v1/tasks', {
      type: 'tagged',
      payload: { ms: 10 },
    });
    expect(t.status).toBe(201);
    const done = await waitTask(survivor, t.body.id, 30_000);
    expect(done.state).toBe('succeeded');
    expect(await leader(survivor)).toBe(survivor);
    replicas.push(await spawnServer(['--db', db.url, ...SERVER_FLAGS]));
  }, 60_000);

  it('keeps a service running: restarted when it exits, moved when its worker is killed, ended by cancel', async () => {
    const base = urls()[0]!;
    const watch = await watchChanges(base);
    const t = await call(base, 'POST', '/api/v1/tasks', {
      type: 'tagged',
      payload: { ms: 150 },
      restart: 'always',
      backoff: { kind: 'fixed', initialMs: 20, jitter: 0 },
    });
    expect(t.body.restart).toBe('always');
    // It exits after 150 ms each time and is started again.
    await watch.until((c) => c.id === t.body.id && c.state === 'running' && c.attempt >= 3);
    const svc = await call(base, 'POST', '/api/v1/tasks', {
      type: 'tagged',
      payload: { ms: 600_000 },
      restart: 'always',
      backoff: { kind: 'fixed', initialMs: 20, jitter: 0 },
    });
    const first = await watch.until((c) => c.id === svc.body.id && c.state === 'running');
    const host = workers.get(first.workerId)!;
    host.child.kill('SIGKILL');
    await host.exited;
    const moved = await watch.until(
      (c) => c.id === svc.body.id && c.state === 'running' && c.workerId !== first.workerId,
      30_000,
    );
    expect(moved.attempt).toBeGreaterThan(first.attempt);
    for (const id of [t.body.id, svc.body.id]) {
      expect((await call(base, 'POST', `/api/v1/tasks/${id}/cancel`)).status).toBe(200);
      expect((await waitTask(base, id, 30_000)).state).toBe('cancelled');
    }
    watch.close();
    await startWorker(first.workerId);
  }, 60_000);

  it('places 1,000 tasks honouring selectors, taints and weights', async () => {
    for (const id of ['w1', 'w2', 'w3']) workers.get(id)!.child.kill('SIGTERM');
    await Promise.all(['w1', 'w2', 'w3'].map((id) => workers.get(id)!.exited));
    const base = urls()[0]!;
    await call(base, 'PATCH', '/api/v1/queues/placement', { strategy: 'weighted' });
    // Room for every task at once, so weights and not free slots decide the split.
    await startWorker('p1', ['--concurrency', '1000', '--labels', 'zone=a', '--weight', '1']);
    await startWorker('p2', ['--concurrency', '1000', '--labels', 'zone=b', '--weight', '3']);
    await startWorker('p3', [
      '--concurrency',
      '50',
      '--labels',
      'zone=a',
      '--taints',
      'dedicated=gpu:NoSchedule',
    ]);
    const spec = (kind: string, extra: object) => ({
      type: 'chronoq.noop',
      queue: 'placement',
      labels: { kind },
      ...extra,
    });
    const tasks = [
      ...Array.from({ length: 300 }, () => spec('zone-b', { selector: { zone: 'b' } })),
      ...Array.from({ length: 200 }, () =>
        spec('gpu', { selector: { zone: 'a' }, tolerations: [{ key: 'dedicated', value: 'gpu' }] }),
      ),
      ...Array.from({ length: 500 }, () => spec('plain', {})),
    ];
    const res = await call(base, 'POST', '/api/v1/tasks/batch', { tasks });
    expect(res.status).toBe(201);
    for (const t of res.body.tasks)
      expect((await waitTask(base, t.id, 30_000)).state).toBe('succeeded');
    const ranOn = async (kind: string) => {
      const page = await call(
        base,
        'GET',
        `/api/v1/tasks?queue=placement&label=kind=${kind}&limit=1000`,
      );
      const counts: Record<string, number> = {};
      for (const t of page.body.tasks) counts[t.workerId] = (counts[t.workerId] ?? 0) + 1;
      return counts;
    };
    expect(await ranOn('zone-b')).toEqual({ p2: 300 });
    const gpu = await ranOn('gpu');
    expect(Object.keys(gpu).every((w) => w === 'p1' || w === 'p3')).toBe(true);
    const plain = await ranOn('plain');
    expect(plain.p3).toBeUndefined();
    expect((plain.p1 ?? 0) + (plain.p2 ?? 0)).toBe(500);
    // Weighted 1:3 between p1 and p2.
    expect(plain.p2!).toBeGreaterThan(plain.p1! * 1.5);
  }, 90_000);
});
