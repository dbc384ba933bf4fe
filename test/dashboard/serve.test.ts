import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/lib/clock.js';
import { buildApp } from '../../src/server/http/app.js';
import { QueueCache } from '../../src/server/queue-cache.js';
import { TaskWaiters } from '../../src/server/task-waiters.js';
import { openStore } from '../../src/store/open.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fake build: index.html, one hashed asset, one root file. */
function fakeDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chronoq-dash-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Chronoq</title>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
  return dir;
}

async function app(dashboardDir: string, adminToken: string | null = null) {
  const store = await openStore('sqlite::memory:');
  await store.migrate();
  const a = buildApp(
    {
      store,
      clock: systemClock,
      queues: new QueueCache(store),
      waiters: new TaskWaiters(store),
      replicaId: 'test',
      version: '0.0.0',
      adminToken,
    },
    pino({ level: 'silent' }),
    { dashboardDir },
  );
  await a.ready();
  return { a, close: async () => (await a.close(), await store.close()) };
}

describe('serving the dashboard', () => {
  it('serves index.html at / and for client routes, uncached', async () => {
    const { a, close } = await app(fakeDist());
    for (const url of ['/', '/tasks', '/tasks/abc?x=1', '/workers']) {
      const r = await a.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.body).toContain('<title>Chronoq</title>');
    }
    expect((await a.inject({ method: 'HEAD', url: '/' })).statusCode).toBe(200);
    await close();
  });

  it('serves built files with their type; hashed assets are cached for good', async () => {
    const { a, close } = await app(fakeDist());
    const js = await a.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const svg = await a.inject({ method: 'GET', url: '/favicon.svg' });
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.headers['cache-control']).toBe('no-cache');
    await close();
  });

  it('answers 404 in the API error shape for missing files, escapes and API paths', async () => {
    const { a, close } = await app(fakeDist());
    for (const url of [
      '/assets/missing.js',
      '/%2e%2e/package.json',
      '/..%2f..%2fpackage.json',
      '/api/v1/nothing',
    ]) {
      const r = await a.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
      expect(r.json().error.code).toBe('not_found');
    }
    expect((await a.inject({ method: 'POST', url: '/tasks' })).statusCode).toBe(404);
    await close();
  });

  it('says clearly when the dashboard is not built', async () => {
    const { a, close } = await app(join(tmpdir(), 'chronoq-no-such-dist'));
    for (const url of ['/', '/tasks/abc']) {
      const r = await a.inject({ method: 'GET', url });
      expect(r.statusCode).toBe(404);
      expect(r.json().error).toMatchObject({ code: 'not_found' });
      expect(r.json().error.message).toMatch(/dashboard is not built/);
    }
    await close();
  });

  it('with an admin token, serves the page without one but keeps the API closed', async () => {
    const { a, close } = await app(fakeDist(), 's3cret');
    expect((await a.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
    expect((await a.inject({ method: 'GET', url: '/tasks/x' })).statusCode).toBe(200);
    expect((await a.inject({ method: 'GET', url: '/assets/index-abc123.js' })).statusCode).toBe(
      200,
    );
    expect((await a.inject({ method: 'GET', url: '/api/v1/tasks' })).statusCode).toBe(401);
    expect((await a.inject({ method: 'GET', url: '/api/v1/nothing' })).statusCode).toBe(401);
    await close();
  });
});
