import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { call } from '../helpers/http.js';
import { tempDir } from '../helpers/temp.js';

/**
 * The server's limits, each set low by its option, on a real socket. The rate limit runs on an
 * injected clock: time moves only when the test moves it.
 */
const tmp = tempDir();
let server: RunningServer;
let now = Date.parse('2030-01-01T00:00:00Z');
const ADMIN = 'limits-admin';
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  server = await startServer(
    {
      db: `sqlite:${tmp.dir}/limits.db`,
      port: 0,
      logLevel: 'silent',
      worker: false,
      adminToken: ADMIN,
      limits: {
        bodyBytes: 4096,
        payloadBytes: 1024,
        pageSize: 10,
        workerMessageBytes: 2048,
        rateLimit: { perSecond: 2, burst: 3 },
      },
    },
    { clock: { now: () => now } },
  );
});

afterAll(async () => {
  await server?.shutdown({ graceMs: 0 });
  tmp.cleanup();
});

async function newToken(name: string, role = 'viewer'): Promise<string> {
  now += 10_000; // a fresh bucket for the admin token
  const r = await call(server.url, 'POST', '/api/v1/tokens', { name, role }, auth(ADMIN));
  expect(r.status).toBe(201);
  return r.body.token;
}

describe('request limits', () => {
  it('answers a body past --max-body with 413 in the error shape, before parsing it', async () => {
    now += 10_000;
    const big = { type: 'x', payload: 'a'.repeat(5000) };
    const r = await call(server.url, 'POST', '/api/v1/tasks', big, auth(ADMIN));
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('too_large');
    // Malformed past the limit: still 413 (the body is never read).
    const raw = await call(server.url, 'POST', '/api/v1/tasks', '{'.repeat(5000), auth(ADMIN));
    expect(raw.status).toBe(413);
  });

  it('answers a payload past --max-payload with 413 naming the field', async () => {
    now += 10_000;
    const r = await call(
      server.url,
      'POST',
      '/api/v1/tasks/batch',
      { tasks: [{ type: 'x' }, { type: 'x', payload: 'a'.repeat(1100) }] },
      auth(ADMIN),
    );
    expect(r.status).toBe(413);
    expect(r.body.error).toMatchObject({ code: 'too_large', field: 'tasks.1.payload' });
    const ok = await call(
      server.url,
      'POST',
      '/api/v1/tasks',
      { type: 'x', payload: 'a'.repeat(900) },
      auth(ADMIN),
    );
    expect(ok.status).toBe(201);
  });

  it('refuses a page past --max-page-size with 400 naming limit', async () => {
    now += 10_000;
    for (const path of ['/api/v1/tasks?limit=11', '/api/v1/audit?limit=11']) {
      const r = await call(server.url, 'GET', path, undefined, auth(ADMIN));
      expect(r.status, path).toBe(400);
      expect(r.body.error.field).toBe('limit');
    }
    expect(
      (await call(server.url, 'GET', '/api/v1/tasks?limit=10', undefined, auth(ADMIN))).status,
    ).toBe(200);
  });

  it('ends a worker session whose message is past --max-worker-message with 1009', async () => {
    const worker = await newToken('limits-worker', 'worker');
    const code = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/v1/workers/connect`, {
        headers: auth(worker),
      });
      ws.on('open', () => ws.send('x'.repeat(3000)));
      ws.on('close', (c) => resolve(c));
      ws.on('error', (err) => (/1009|payload/i.test(err.message) ? undefined : reject(err)));
    });
    expect(code).toBe(1009);
    expect((await call(server.url, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('metrics behind auth', () => {
  it('needs a token for /metrics unless --metrics-public', async () => {
    expect((await call(server.url, 'GET', '/metrics')).status).toBe(401);
    const open = await startServer({
      db: 'sqlite::memory:',
      port: 0,
      logLevel: 'silent',
      worker: false,
      adminToken: 'x',
      metricsPublic: true,
    });
    try {
      expect((await call(open.url, 'GET', '/metrics')).status).toBe(200);
      expect((await call(open.url, 'GET', '/api/v1/tasks')).status).toBe(401);
    } finally {
      await open.shutdown({ graceMs: 0 });
    }
  });
});

describe('the per-token rate limit', () => {
  it('answers 429 with Retry-After past the burst, and again once time has refilled it', async () => {
    const a = await newToken('rate-a');
    const b = await newToken('rate-b');
    const get = (t: string) => call(server.url, 'GET', '/api/v1/queues', undefined, auth(t));
    for (let i = 0; i < 3; i++) expect((await get(a)).status).toBe(200);
    const limited = await get(a);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.body.error.code).toBe('rate_limited');
    // Another token has its own bucket.
    expect((await get(b)).status).toBe(200);
    // Half a second refills one request (2 per second), not two.
    now += 500;
    expect((await get(a)).status).toBe(200);
    expect((await get(a)).status).toBe(429);
    now += 1000;
    expect((await get(a)).status).toBe(200);
    expect((await get(a)).status).toBe(200);
    expect((await get(a)).status).toBe(429);
    // Refusals show in the metrics.
    now += 10_000;
    const metrics = await call(server.url, 'GET', '/metrics', undefined, auth(ADMIN));
    expect(metrics.body).toMatch(
      /chronoq_http_requests_total\{method="GET",route="\/api\/v1\/queues",status="429"\} 3/,
    );
  });

  it('limits a token even on routes its role may not call, and never public routes', async () => {
    const c = await newToken('rate-c');
    for (let i = 0; i < 3; i++) {
      expect(
        (await call(server.url, 'POST', '/api/v1/queues/q/pause', undefined, auth(c))).status,
      ).toBe(403);
    }
    expect((await call(server.url, 'GET', '/api/v1/queues', undefined, auth(c))).status).toBe(429);
    for (let i = 0; i < 10; i++)
      expect((await call(server.url, 'GET', '/healthz')).status).toBe(200);
  });
});
