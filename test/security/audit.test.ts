import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { call } from '../helpers/http.js';
import { tempDir } from '../helpers/temp.js';

/** Who changed what: task histories carry the actor, and admins read the audit log. */
const tmp = tempDir();
let server: RunningServer;
const ADMIN = 'audit-admin';
let ops: string;
let submitter: string;

const as = (t: string) => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  server = await startServer({
    db: `sqlite:${tmp.dir}/audit.db`,
    port: 0,
    logLevel: 'silent',
    adminToken: ADMIN,
  });
  const mk = async (name: string, role: string) =>
    (await call(server.url, 'POST', '/api/v1/tokens', { name, role }, as(ADMIN))).body.token;
  ops = await mk('alice', 'operator');
  submitter = await mk('ci', 'submitter');
});

afterAll(async () => {
  await server?.shutdown({ graceMs: 0 });
  tmp.cleanup();
});

describe('audit', () => {
  it('records the actor of every action in the task history', async () => {
    const t = await call(
      server.url,
      'POST',
      '/api/v1/tasks',
      { type: 'chronoq.noop', delayMs: 3_600_000 },
      as(submitter),
    );
    const id = t.body.id;
    for (const action of ['pause', 'resume', 'cancel', 'retry']) {
      const r = await call(server.url, 'POST', `/api/v1/tasks/${id}/${action}`, undefined, as(ops));
      expect(r.status, action).toBe(200);
    }
    const got = await call(server.url, 'GET', `/api/v1/tasks/${id}`, undefined, as(ADMIN));
    const events = got.body.events.map((e: any) => [e.kind, e.actor]);
    expect(events.slice(0, 5)).toEqual([
      ['submitted', 'ci'],
      ['pause', 'alice'],
      ['resume', 'alice'],
      ['cancel', 'alice'],
      ['retry', 'alice'],
    ]);
  });

  it('keeps an audit log of changes to tasks, queues, workers and tokens, for admins only', async () => {
    const t = await call(
      server.url,
      'POST',
      '/api/v1/tasks',
      { type: 'chronoq.noop', delayMs: 3_600_000 },
      as(submitter),
    );
    await call(server.url, 'POST', `/api/v1/tasks/${t.body.id}/cancel`, undefined, as(ops));
    await call(server.url, 'PATCH', '/api/v1/queues/audited', { concurrency: 3 }, as(ops));
    await call(server.url, 'POST', '/api/v1/queues/audited/pause', undefined, as(ops));
    const workers = await call(server.url, 'GET', '/api/v1/workers', undefined, as(ops));
    const wid = workers.body.workers[0].id;
    await call(server.url, 'POST', `/api/v1/workers/${wid}/cordon`, undefined, as(ops));
    await call(server.url, 'POST', `/api/v1/workers/${wid}/uncordon`, undefined, as(ops));
    const tok = await call(
      server.url,
      'POST',
      '/api/v1/tokens',
      { name: 'temp', role: 'viewer' },
      as(ADMIN),
    );
    await call(server.url, 'DELETE', `/api/v1/tokens/${tok.body.id}`, undefined, as(ADMIN));
    // Refused and failed calls change nothing and are not entries.
    expect(
      (await call(server.url, 'POST', '/api/v1/queues/x/pause', undefined, as(submitter))).status,
    ).toBe(403);
    expect(
      (await call(server.url, 'POST', '/api/v1/tasks/nope/cancel', undefined, as(ops))).status,
    ).toBe(404);

    expect((await call(server.url, 'GET', '/api/v1/audit', undefined, as(ops))).status).toBe(403);
    const page = await call(server.url, 'GET', '/api/v1/audit?limit=8', undefined, as(ADMIN));
    expect(page.status).toBe(200);
    const rows = page.body.entries.map((e: any) => [e.actor, e.action, e.target]);
    expect(rows).toEqual([
      ['admin', 'token.delete', `token:${tok.body.id}`],
      ['admin', 'token.create', `token:${tok.body.id}`],
      ['alice', 'worker.uncordon', `worker:${wid}`],
      ['alice', 'worker.cordon', `worker:${wid}`],
      ['alice', 'queue.pause', 'queue:audited'],
      ['alice', 'queue.update', 'queue:audited'],
      ['alice', 'task.cancel', `task:${t.body.id}`],
      ['alice', 'task.retry', expect.stringMatching(/^task:/)],
    ]);
    expect(page.body.entries[1].detail).toEqual({ name: 'temp', role: 'viewer' });
    expect(page.body.entries[5].detail).toEqual({ patch: { concurrency: 3 } });
    expect(Date.parse(page.body.entries[0].at)).toBeGreaterThan(0);
    const next = await call(
      server.url,
      'GET',
      `/api/v1/audit?limit=8&cursor=${page.body.nextCursor}`,
      undefined,
      as(ADMIN),
    );
    expect(next.body.entries.map((e: any) => e.action)).toContain('task.pause');
  });

  it('refuses to revoke the last admin token when no bootstrap token stands behind it', async () => {
    const local = await startServer({
      db: 'sqlite::memory:',
      port: 0,
      logLevel: 'silent',
      worker: false,
    });
    try {
      const created = await call(local.url, 'POST', '/api/v1/tokens', {
        name: 'root',
        role: 'admin',
      });
      expect(created.status).toBe(201);
      // The first stored token closes the open server.
      expect((await call(local.url, 'GET', '/api/v1/tasks')).status).toBe(401);
      const del = await call(
        local.url,
        'DELETE',
        `/api/v1/tokens/${created.body.id}`,
        undefined,
        as(created.body.token),
      );
      expect(del.status).toBe(409);
      expect(del.body.error.code).toBe('conflict');
      expect(
        (await call(local.url, 'GET', '/api/v1/tasks', undefined, as(created.body.token))).status,
      ).toBe(200);
    } finally {
      await local.shutdown({ graceMs: 0 });
    }
  });
});
