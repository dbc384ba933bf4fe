import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChronoqClient, Worker } from '../src/client/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { call, watchChanges } from './helpers/http.js';

let server: RunningServer;
let client: ChronoqClient;
const workers: Worker[] = [];

beforeAll(async () => {
  server = await startServer({ db: 'sqlite::memory:', port: 0, logLevel: 'silent', worker: false });
  client = new ChronoqClient({ url: server.url });
  for (const zone of ['a', 'b']) {
    const w = new Worker({
      url: server.url,
      name: `zone-${zone}`,
      id: `w-${zone}`,
      concurrency: 4,
      labels: { zone },
      handlers: { 'where.am.i': async (ctx) => ({ zone, attempt: ctx.attempt }) },
    });
    await w.start();
    workers.push(w);
  }
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop({ graceMs: 0 })));
  await server.shutdown({ graceMs: 0 });
});

describe('remote workers over WebSocket', () => {
  it('register and are listed as live with their labels and handler types', async () => {
    const list = await client.workers();
    const a = list.find((w) => w.id === 'w-a')!;
    expect(a).toMatchObject({ status: 'live', name: 'zone-a', labels: { zone: 'a' }, capacity: 4 });
    expect(a.types).toContain('where.am.i');
    expect(a.types).toContain('chronoq.noop');
  });

  it('run tasks placed on them, honouring selectors', async () => {
    const tasks = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        client.submit({ type: 'where.am.i', selector: { zone: i % 2 ? 'a' : 'b' } }),
      ),
    );
    for (const [i, t] of tasks.entries()) {
      const done = await client.wait(t.id, { timeoutMs: 10_000 });
      const zone = i % 2 ? 'a' : 'b';
      expect(done).toMatchObject({ state: 'succeeded', workerId: `w-${zone}`, result: { zone } });
    }
  });

  it('never places a task whose selector no worker matches', async () => {
    const t = await client.submit({ type: 'where.am.i', selector: { zone: 'c' } });
    const w = await call(server.url, 'GET', `/api/v1/tasks/${t.id}/wait?timeoutMs=200`);
    expect(w.status).toBe(408);
    expect(w.body.task.state).toBe('ready');
    await client.cancel(t.id);
  });

  it('refuses a worker that speaks another protocol version', async () => {
    const url = server.url.replace('http', 'ws') + '/api/v1/workers/connect';
    const ws = new WebSocket(url);
    await new Promise((r) => ws.once('open', r));
    const answer = new Promise<any>((r) => ws.once('message', (d) => r(JSON.parse(d.toString()))));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send(
      JSON.stringify({
        type: 'register',
        protocolVersion: 999,
        name: 'future',
        capacity: 1,
        types: null,
        executors: ['function'],
      }),
    );
    expect(await answer).toMatchObject({ type: 'error', code: 'protocol_version' });
    expect(await closed).toBe(1000);
    expect((await client.workers()).map((w) => w.name)).not.toContain('future');
  });

  it('closes a socket that sends garbage, and the server stays up', async () => {
    const url = server.url.replace('http', 'ws') + '/api/v1/workers/connect';
    for (const garbage of [
      '{not json',
      JSON.stringify({ type: 'reports', reports: 'x' }),
      JSON.stringify({ type: 'register', protocolVersion: 1 }),
    ]) {
      const ws = new WebSocket(url);
      await new Promise((r) => ws.once('open', r));
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      ws.send(garbage);
      const code = await closed;
      expect([1008, 1000]).toContain(code);
    }
    expect((await call(server.url, 'GET', '/healthz')).status).toBe(200);
    const t = await client.submit({ type: 'chronoq.noop' });
    expect((await client.wait(t.id, { timeoutMs: 10_000 })).state).toBe('succeeded');
  });

  it('place up to capacity plus prefetch on a worker, which runs capacity at once', async () => {
    const release: (() => void)[] = [];
    const w = new Worker({
      url: server.url,
      name: 'prefetching',
      id: 'w-pf',
      concurrency: 1,
      prefetch: 2,
      queues: ['pf'],
      handlers: {
        'pf.hold': () => new Promise<string>((r) => release.push(() => r('done'))),
      },
    });
    await w.start();
    workers.push(w);
    expect((await client.workers()).find((x) => x.id === 'w-pf')).toMatchObject({
      capacity: 1,
      prefetch: 2,
    });
    const changes = await watchChanges(server.url);
    const tasks = await Promise.all(
      Array.from({ length: 4 }, () => client.submit({ type: 'pf.hold', queue: 'pf' })),
    );
    // The first three are placed (one runs, two wait on the worker); the fourth waits for room.
    await changes.until((c) => c.id === tasks[0]!.id && c.state === 'running');
    await changes.until((c) => c.id === tasks[2]!.id && c.state === 'assigned');
    const states = await Promise.all(tasks.map(async (t) => (await client.get(t.id)).state));
    expect(states).toEqual(['running', 'assigned', 'assigned', 'ready']);
    release.shift()!();
    await changes.until((c) => c.id === tasks[3]!.id && c.state === 'assigned');
    for (const t of tasks.slice(1)) {
      await changes.until((c) => c.id === t.id && c.state === 'running');
      release.shift()!();
    }
    for (const t of tasks) {
      expect(await client.wait(t.id, { timeoutMs: 10_000 })).toMatchObject({
        state: 'succeeded',
        workerId: 'w-pf',
      });
    }
    changes.close();
  });
});
