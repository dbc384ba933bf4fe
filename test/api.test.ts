import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/index.js';
import { call, waitTask, watchChanges } from './helpers/http.js';
import { tempDir } from './helpers/temp.js';

let server: RunningServer;
let base: string;
const tmp = tempDir();

beforeAll(async () => {
  server = await startServer({
    db: `sqlite:${tmp.dir}/api.db`,
    port: 0,
    logLevel: 'silent',
    concurrency: 8,
  });
  base = server.url;
});

afterAll(async () => {
  await server.shutdown({ graceMs: 0 });
  tmp.cleanup();
});

const submit = (spec: unknown) => call(base, 'POST', '/api/v1/tasks', spec);

describe('submit and run', () => {
  it('runs a noop task to success and records the attempt', async () => {
    const r = await submit({ type: 'chronoq.noop' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ type: 'chronoq.noop', queue: 'default', maxAttempts: 3 });
    const done = await waitTask(base, r.body.id);
    expect(done.state).toBe('succeeded');
    expect(done.attempt).toBe(1);
    const got = await call(base, 'GET', `/api/v1/tasks/${r.body.id}`);
    expect(got.body.attempts).toHaveLength(1);
    expect(got.body.attempts[0]).toMatchObject({ attempt: 1, outcome: 'succeeded' });
    expect(got.body.events.map((e: any) => e.kind)).toContain('submitted');
  });

  it('returns the payload from chronoq.echo as the result', async () => {
    const r = await submit({ type: 'chronoq.echo', payload: { hello: ['world', 1] } });
    const done = await waitTask(base, r.body.id);
    expect(done.result).toEqual({ hello: ['world', 1] });
  });

  it('honours idempotency keys per queue', async () => {
    const a = await submit({ type: 'chronoq.noop', idempotencyKey: 'k-1' });
    const b = await submit({ type: 'chronoq.noop', idempotencyKey: 'k-1' });
    const c = await submit({ type: 'chronoq.noop', idempotencyKey: 'k-1', queue: 'other' });
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    expect(c.status).toBe(201);
    expect(c.body.id).not.toBe(a.body.id);
  });

  it('submits a batch all or nothing', async () => {
    const ok = await call(base, 'POST', '/api/v1/tasks/batch', {
      tasks: [
        { type: 'chronoq.noop', labels: { batch: 'b1' } },
        { type: 'chronoq.noop', labels: { batch: 'b1' } },
      ],
    });
    expect(ok.status).toBe(201);
    expect(ok.body.tasks).toHaveLength(2);
    const bad = await call(base, 'POST', '/api/v1/tasks/batch', {
      tasks: [{ type: 'chronoq.noop', labels: { batch: 'b2' } }, { type: 'bad type with spaces' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('tasks.1.type');
    const listed = await call(base, 'GET', '/api/v1/tasks?label=batch=b2');
    expect(listed.body.tasks).toHaveLength(0);
  });

  it('orders by priority, first-in-first-out within a priority', async () => {
    await call(base, 'PATCH', '/api/v1/queues/prio', { concurrency: 1 });
    await call(base, 'POST', '/api/v1/queues/prio/pause');
    const ids: string[] = [];
    for (const p of [0, 5, 0, 9, 5]) {
      ids.push((await submit({ type: 'chronoq.noop', queue: 'prio', priority: p })).body.id);
    }
    const watch = await watchChanges(base);
    await call(base, 'POST', '/api/v1/queues/prio/resume');
    for (const id of ids) await watch.until((c) => c.id === id && c.state === 'succeeded');
    const order = watch
      .changes()
      .filter((c) => c.queue === 'prio' && c.state === 'assigned')
      .map((c) => c.id);
    watch.close();
    expect(order).toEqual([ids[3], ids[1], ids[4], ids[0], ids[2]]);
  });
});

describe('failure, retry and the dead-letter set', () => {
  it('retries with backoff, then dead-letters; retry starts a fresh budget with growing attempts', async () => {
    const r = await submit({
      type: 'chronoq.fail',
      payload: { message: 'boom' },
      maxAttempts: 2,
      backoff: { kind: 'fixed', initialMs: 10, jitter: 0 },
    });
    const dead = await waitTask(base, r.body.id);
    expect(dead.state).toBe('failed');
    expect(dead.attempt).toBe(2);
    expect(dead.error.message).toBe('boom');
    const failedList = await call(base, 'GET', '/api/v1/tasks?state=failed&type=chronoq.fail');
    expect(failedList.body.tasks.map((t: any) => t.id)).toContain(r.body.id);

    const retried = await call(base, 'POST', `/api/v1/tasks/${r.body.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body.attemptsLeft).toBe(2);
    const again = await waitTask(base, r.body.id);
    expect(again.state).toBe('failed');
    expect(again.attempt).toBe(4);
    const detail = await call(base, 'GET', `/api/v1/tasks/${r.body.id}`);
    expect(detail.body.attempts.map((a: any) => a.attempt)).toEqual([1, 2, 3, 4]);
    expect(detail.body.events.map((e: any) => e.kind)).toContain('retry');
  });

  it('times out an attempt that runs too long', async () => {
    const r = await submit({
      type: 'chronoq.sleep',
      payload: { ms: 30_000 },
      timeoutMs: 100,
      maxAttempts: 1,
    });
    const done = await waitTask(base, r.body.id);
    expect(done.state).toBe('failed');
    expect(done.error.code).toBe('TIMEOUT');
  });
});

describe('operator actions', () => {
  it('cancels a running task', async () => {
    const watch = await watchChanges(base);
    const r = await submit({ type: 'chronoq.sleep', payload: { ms: 60_000 } });
    await watch.until((c) => c.id === r.body.id && c.state === 'running');
    const c = await call(base, 'POST', `/api/v1/tasks/${r.body.id}/cancel`);
    expect(c.status).toBe(200);
    expect(c.body.want).toBe('cancel');
    const done = await waitTask(base, r.body.id);
    expect(done.state).toBe('cancelled');
    watch.close();
  });

  it('pauses and resumes a running task', async () => {
    const watch = await watchChanges(base);
    const r = await submit({ type: 'chronoq.sleep', payload: { ms: 300 } });
    await watch.until((c) => c.id === r.body.id && c.state === 'running');
    const p = await call(base, 'POST', `/api/v1/tasks/${r.body.id}/pause`);
    expect(p.body.want).toBe('pause');
    await watch.until((c) => c.id === r.body.id && c.state === 'paused');
    expect((await call(base, 'POST', `/api/v1/tasks/${r.body.id}/pause`)).status).toBe(200);
    const res = await call(base, 'POST', `/api/v1/tasks/${r.body.id}/resume`);
    expect(res.body.want).toBe('run');
    const done = await waitTask(base, r.body.id);
    expect(done.state).toBe('succeeded');
    watch.close();
  });

  it('pauses, resumes, cancels and retries a queued task', async () => {
    const r = await submit({ type: 'chronoq.noop', delayMs: 3_600_000 });
    expect(r.body.state).toBe('pending');
    const p = await call(base, 'POST', `/api/v1/tasks/${r.body.id}/pause`);
    expect(p.body.state).toBe('paused');
    const res = await call(base, 'POST', `/api/v1/tasks/${r.body.id}/resume`);
    expect(res.body.state).toBe('pending');
    const c = await call(base, 'POST', `/api/v1/tasks/${r.body.id}/cancel`);
    expect(c.body.state).toBe('cancelled');
    expect((await call(base, 'POST', `/api/v1/tasks/${r.body.id}/cancel`)).status).toBe(409);
    expect((await call(base, 'POST', `/api/v1/tasks/${r.body.id}/resume`)).status).toBe(409);
    const again = await call(base, 'POST', `/api/v1/tasks/${r.body.id}/retry`);
    expect(again.body.state).toBe('pending');
  });

  it('answers 409 for actions the state does not allow, 404 for unknown tasks', async () => {
    const r = await submit({ type: 'chronoq.noop' });
    await waitTask(base, r.body.id);
    const retry = await call(base, 'POST', `/api/v1/tasks/${r.body.id}/retry`);
    expect(retry.status).toBe(409);
    expect(retry.body.error.code).toBe('conflict');
    expect((await call(base, 'POST', `/api/v1/tasks/${r.body.id}/pause`)).status).toBe(409);
    const missing = await call(base, 'POST', '/api/v1/tasks/nope/cancel');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('answers 408 from wait while the task is not done', async () => {
    const r = await submit({ type: 'chronoq.noop', delayMs: 3_600_000 });
    const w = await call(base, 'GET', `/api/v1/tasks/${r.body.id}/wait?timeoutMs=50`);
    expect(w.status).toBe(408);
    expect(w.body.error.code).toBe('timeout');
  });
});

describe('listing and queues', () => {
  it('lists with filters and cursor paging, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await submit({ type: 'page.test', delayMs: 3_600_000 })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/v1/tasks?type=page.test&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await call(base, 'GET', q);
      expect(page.body.tasks.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.tasks.map((t: any) => t.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('names a queue before its first task and reports depth', async () => {
    const set = await call(base, 'PATCH', '/api/v1/queues/fresh', {
      concurrency: 3,
      rateLimit: { count: 10, intervalMs: 1000 },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      name: 'fresh',
      concurrency: 3,
      rateLimit: { count: 10, intervalMs: 1000 },
    });
    const list = await call(base, 'GET', '/api/v1/queues');
    expect(list.body.queues.map((q: any) => q.name)).toContain('fresh');
    const cleared = await call(base, 'PATCH', '/api/v1/queues/fresh', { concurrency: null });
    expect(cleared.body.concurrency).toBeNull();
  });

  it('holds tasks of a paused queue until it resumes', async () => {
    await call(base, 'POST', '/api/v1/queues/held/pause');
    const r = await submit({ type: 'chronoq.noop', queue: 'held' });
    const w = await call(base, 'GET', `/api/v1/tasks/${r.body.id}/wait?timeoutMs=200`);
    expect(w.status).toBe(408);
    expect(w.body.task.state).toBe('ready');
    await call(base, 'POST', '/api/v1/queues/held/resume');
    expect((await waitTask(base, r.body.id)).state).toBe('succeeded');
  });
});

describe('bad input', () => {
  it('names the field of an invalid spec', async () => {
    const cases: [unknown, string][] = [
      [{}, 'type'],
      [{ type: 'x', priority: 1.5 }, 'priority'],
      [{ type: 'x', maxAttempts: 0 }, 'maxAttempts'],
      [{ type: 'x', delayMs: -1 }, 'delayMs'],
      [{ type: 'x', runAt: 'tomorrow' }, 'runAt'],
      [{ type: 'x', bogus: 1 }, 'bogus'],
      [{ type: 'x', executor: { kind: 'process' } }, 'executor.command'],
    ];
    for (const [spec, field] of cases) {
      const r = await submit(spec);
      expect(r.status, JSON.stringify(spec)).toBe(400);
      expect(r.body.error.code).toBe('invalid');
      expect(r.body.error.field).toBe(field);
    }
  });

  it('answers malformed, poisoned and oversized bodies with 4xx in the error shape', async () => {
    const bad = await call(base, 'POST', '/api/v1/tasks', '{"type": ');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid');
    const proto = await call(
      base,
      'POST',
      '/api/v1/tasks',
      '{"type":"x","__proto__":{"admin":true}}',
    );
    expect(proto.status).toBe(400);
    const huge = await call(base, 'POST', '/api/v1/tasks', {
      type: 'x',
      payload: 'a'.repeat(2 * 1024 * 1024),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('too_large');
    const q = await call(base, 'GET', '/api/v1/tasks?limit=0');
    expect(q.body.error.field).toBe('limit');
    const nf = await call(base, 'GET', '/api/v1/nothing');
    expect(nf.status).toBe(404);
    expect(nf.body.error.code).toBe('not_found');
  });
});

describe('meta', () => {
  it('exposes Prometheus metrics of what happened', async () => {
    const t = await submit({ type: 'metrics.probe', queue: 'metered', delayMs: 3_600_000 });
    expect(t.status).toBe(201);
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/chronoq_tasks_submitted_total\{queue="metered",type="metrics.probe"\} 1/);
    expect(text).toMatch(
      /chronoq_tasks_finished_total\{queue="default",type="chronoq.noop",outcome="succeeded"\} \d+/,
    );
    expect(text).toMatch(
      /chronoq_tasks_finished_total\{queue="default",type="chronoq.fail",outcome="retried"\} \d+/,
    );
    expect(text).toMatch(/chronoq_queue_depth\{queue="metered",state="pending"\} 1/);
    expect(text).toMatch(/chronoq_leader 1/);
    expect(text).toMatch(/chronoq_workers\{status="live"\} 1/);
    expect(text).toMatch(/chronoq_task_queue_wait_seconds_bucket/);
    expect(text).toMatch(/chronoq_store_query_seconds_count\{method="taskInsert"\} \d+/);
  });

  it('serves health, readiness, cluster and the OpenAPI document', async () => {
    expect((await call(base, 'GET', '/healthz')).status).toBe(200);
    expect((await call(base, 'GET', '/readyz')).status).toBe(200);
    const cluster = await call(base, 'GET', '/api/v1/cluster');
    expect(cluster.body.leader.replicaId).toBe(server.replicaId);
    expect(cluster.body.replicas[0].url).toBe(base);
    const doc = await call(base, 'GET', '/api/v1/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/api/v1/tasks/{id}/wait');
  });
});
