import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChronoqClient } from './client.js';
import {
  ChronoqApiError,
  ChronoqNetworkError,
  ChronoqTimeoutError,
  ChronoqValidationError,
} from './errors.js';
import { fakeTask, startFakeServer, type FakeServer } from './testing/fake-server.js';

let server: FakeServer;
let client: ChronoqClient;

beforeEach(async () => {
  server = await startFakeServer();
  client = new ChronoqClient({ url: server.url, token: 'secret' });
});

afterEach(async () => {
  await server.close();
});

describe('ChronoqClient requests', () => {
  it('submits a spec as JSON with the bearer token', async () => {
    server.on('POST /api/v1/tasks', { status: 201, body: fakeTask({ id: 'A' }) });
    const task = await client.submit({ type: 'email.send', payload: { to: 'x' }, delayMs: 10 });
    expect(task.id).toBe('A');
    const req = server.requests[0]!;
    expect(req.body).toEqual({ type: 'email.send', payload: { to: 'x' }, delayMs: 10 });
    expect(req.headers.authorization).toBe('Bearer secret');
    expect(req.headers['content-type']).toBe('application/json');
  });

  it('accepts the 200 of a known idempotency key', async () => {
    server.on('POST /api/v1/tasks', { status: 200, body: fakeTask({ id: 'OLD' }) });
    expect((await client.submit({ type: 'a', idempotencyKey: 'k' })).id).toBe('OLD');
  });

  it('refuses an invalid spec before sending, with the field the API would name', async () => {
    const err = await client.submit({ type: 'a', runAt: 'tomorrow' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChronoqValidationError);
    expect(err).toBeInstanceOf(ChronoqApiError);
    expect(err).toMatchObject({ status: 400, code: 'invalid', field: 'runAt' });
    const unknown = await client.submit({ type: 'a', nope: 1 } as never).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ field: 'nope', message: 'unknown field nope' });
    expect(server.requests).toHaveLength(0);
  });

  it('submits a batch and names the field of a bad member', async () => {
    server.on('POST /api/v1/tasks/batch', (req) => ({
      status: 201,
      body: {
        tasks: (req.body as { tasks: unknown[] }).tasks.map((_, i) => fakeTask({ id: `B${i}` })),
      },
    }));
    const tasks = await client.submitBatch([{ type: 'a' }, { type: 'b' }]);
    expect(tasks.map((t) => t.id)).toEqual(['B0', 'B1']);
    expect(server.requests[0]!.body).toEqual({ tasks: [{ type: 'a' }, { type: 'b' }] });
    await expect(client.submitBatch([{ type: 'a' }, { type: '' }])).rejects.toMatchObject({
      field: 'tasks.1.type',
    });
  });

  it('lists with states given as an array or a string', async () => {
    server.on('GET /api/v1/tasks', { body: { tasks: [fakeTask()], nextCursor: null } });
    await client.list({ state: ['failed', 'cancelled'], queue: 'q', limit: 5 });
    await client.list({ state: 'running' });
    expect(server.requests[0]!.query).toEqual({
      state: 'failed,cancelled',
      queue: 'q',
      limit: '5',
    });
    expect(server.requests[1]!.query).toEqual({ state: 'running' });
    await expect(client.list({ state: 'bogus' })).rejects.toMatchObject({ field: 'state.0' });
  });

  it('listAll follows nextCursor across pages', async () => {
    server.on('GET /api/v1/tasks', (req) =>
      req.query.cursor === undefined
        ? { body: { tasks: [fakeTask({ id: '1' }), fakeTask({ id: '2' })], nextCursor: 'c2' } }
        : { body: { tasks: [fakeTask({ id: '3' })], nextCursor: null } },
    );
    const ids: string[] = [];
    for await (const t of client.listAll({ limit: 2 })) ids.push(t.id);
    expect(ids).toEqual(['1', '2', '3']);
    expect(server.requests.map((r) => r.query.cursor)).toEqual([undefined, 'c2']);
  });

  it('calls the action, queue and worker routes', async () => {
    for (const a of ['cancel', 'pause', 'resume', 'retry']) {
      server.on(`POST /api/v1/tasks/T%201/${a}`, { body: fakeTask({ state: a }) });
    }
    const queue = { name: 'q', paused: false, counts: {} };
    server.on('GET /api/v1/queues', { body: { queues: [queue] } });
    server.on('PATCH /api/v1/queues/q', { body: queue });
    server.on('POST /api/v1/queues/q/pause', { body: { ...queue, paused: true } });
    server.on('POST /api/v1/queues/q/resume', { body: queue });
    server.on('GET /api/v1/workers', { body: { workers: [{ id: 'W' }] } });
    server.on('POST /api/v1/workers/W/drain', { body: { id: 'W', draining: true } });
    server.on('GET /healthz', { body: { status: 'ok' } });

    expect((await client.cancel('T 1')).state).toBe('cancel');
    await client.pause('T 1');
    await client.resume('T 1');
    await client.retry('T 1');
    expect(await client.queues()).toEqual([queue]);
    await client.setQueue('q', { concurrency: 5, rateLimit: { count: 10, intervalMs: 1000 } });
    expect((await client.pauseQueue('q')).paused).toBe(true);
    await client.resumeQueue('q');
    expect((await client.workers())[0]!.id).toBe('W');
    expect((await client.drainWorker('W')).draining).toBe(true);
    expect(await client.health()).toEqual({ status: 'ok' });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/tasks/T%201/cancel',
      'POST /api/v1/tasks/T%201/pause',
      'POST /api/v1/tasks/T%201/resume',
      'POST /api/v1/tasks/T%201/retry',
      'GET /api/v1/queues',
      'PATCH /api/v1/queues/q',
      'POST /api/v1/queues/q/pause',
      'POST /api/v1/queues/q/resume',
      'GET /api/v1/workers',
      'POST /api/v1/workers/W/drain',
      'GET /healthz',
    ]);
    expect(server.requests[5]!.body).toEqual({
      concurrency: 5,
      rateLimit: { count: 10, intervalMs: 1000 },
    });
  });

  it('checks a queue patch before sending', async () => {
    await expect(client.setQueue('q', { concurrency: 0 })).rejects.toMatchObject({
      field: 'concurrency',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('accepts a base URL with a trailing /api/v1/', async () => {
    server.on('GET /api/v1/tasks/X', { body: fakeTask({ id: 'X' }) });
    const c = new ChronoqClient({ url: `${server.url}/api/v1/` });
    expect((await c.get('X')).id).toBe('X');
  });
});

describe('ChronoqClient errors', () => {
  it('maps an error body to ChronoqApiError', async () => {
    server.on('POST /api/v1/tasks/T1/cancel', {
      status: 409,
      body: { error: { code: 'conflict', message: 'task T1 is succeeded' } },
    });
    const err = await client.cancel('T1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChronoqApiError);
    expect(err).toMatchObject({ status: 409, code: 'conflict', message: 'task T1 is succeeded' });
  });

  it('keeps the field of a 400', async () => {
    server.on('PATCH /api/v1/queues/q', {
      status: 400,
      body: { error: { code: 'invalid', message: 'strategy: bad', field: 'strategy' } },
    });
    await expect(client.setQueue('q', {})).rejects.toMatchObject({
      status: 400,
      field: 'strategy',
    });
  });

  it('maps a body that is not the API error shape', async () => {
    server.on('GET /api/v1/tasks/T1', (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
      return undefined;
    });
    await expect(client.get('T1')).rejects.toMatchObject({
      status: 502,
      code: 'internal',
      message: 'HTTP 502: <h1>Bad gateway</h1>',
    });
  });

  it('names the URL when the server cannot be reached', async () => {
    await server.close();
    const err = await client.get('T1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChronoqNetworkError);
    expect((err as Error).message).toContain(`${server.url}/api/v1/tasks/T1`);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });
});

describe('ChronoqClient.wait', () => {
  it('asks again after each 408 until the task is terminal', async () => {
    let calls = 0;
    server.on('GET /api/v1/tasks/T1/wait', () => {
      calls += 1;
      return calls < 3
        ? {
            status: 408,
            body: { error: { code: 'timeout', message: 'still running' }, task: fakeTask() },
          }
        : { body: fakeTask({ state: 'succeeded' }) };
    });
    const task = await client.wait('T1');
    expect(task.state).toBe('succeeded');
    expect(calls).toBe(3);
    for (const r of server.requests) expect(Number(r.query.timeoutMs)).toBe(30_000);
  });

  it('slices a long wait and throws a timeout error with the last state', async () => {
    server.on('GET /api/v1/tasks/T1/wait', async (req) => {
      await new Promise((r) => setTimeout(r, Number(req.query.timeoutMs)));
      return {
        status: 408,
        body: {
          error: { code: 'timeout', message: 'still running' },
          task: fakeTask({ state: 'running' }),
        },
      };
    });
    const err = await client.wait('T1', { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChronoqTimeoutError);
    expect(err).toMatchObject({ status: 408, code: 'timeout', task: { state: 'running' } });
    expect((err as Error).message).toMatch(/still running/);
    expect(Number(server.requests[0]!.query.timeoutMs)).toBeLessThanOrEqual(300);
  });

  it('throws API errors other than 408 at once', async () => {
    server.on('GET /api/v1/tasks/NOPE/wait', {
      status: 404,
      body: { error: { code: 'not_found', message: 'task NOPE not found', field: 'id' } },
    });
    await expect(client.wait('NOPE')).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });
});

describe('ChronoqClient logs', () => {
  const line = (seq: number, text: string) => ({
    seq,
    attempt: 1,
    at: '2030-01-01T00:00:00.000Z',
    stream: 'stdout',
    line: text,
  });

  it('reads captured lines', async () => {
    server.on('GET /api/v1/tasks/T1/logs', { body: { lines: [line(1, 'hi')] } });
    expect(await client.logs('T1', { attempt: 2 })).toEqual([line(1, 'hi')]);
    expect(server.requests[0]!.query).toEqual({ attempt: '2' });
  });

  it('follows server-sent events until end', async () => {
    server.on('GET /api/v1/tasks/T1/logs', (req, res) => {
      expect(req.query.follow).toBe('1');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': stream open\n\n');
      res.write(`event: log\ndata: ${JSON.stringify(line(1, 'one'))}\n\n`);
      // split one event across writes
      const second = `event: log\r\ndata: ${JSON.stringify(line(2, 'two'))}\r\n\r\n`;
      res.write(second.slice(0, 20));
      setTimeout(() => {
        res.write(second.slice(20));
        res.write('event: end\ndata: {"state":"succeeded"}\n\n');
        // the server keeps the socket open: the client must stop on `end` by itself
      }, 20);
      return undefined;
    });
    const got: string[] = [];
    for await (const l of client.followLogs('T1')) got.push(l.line);
    expect(got).toEqual(['one', 'two']);
  });

  it('resumes after the last line when the stream is cut', async () => {
    let calls = 0;
    server.on('GET /api/v1/tasks/T1/logs', (req, res) => {
      calls += 1;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (calls === 1) {
        res.end(`event: log\ndata: ${JSON.stringify(line(1, 'one'))}\n\n`);
      } else {
        expect(req.query.after).toBe('1');
        res.end(`event: log\ndata: ${JSON.stringify(line(2, 'two'))}\n\nevent: end\ndata: {}\n\n`);
      }
      return undefined;
    });
    const got: string[] = [];
    for await (const l of client.followLogs('T1')) got.push(l.line);
    expect(got).toEqual(['one', 'two']);
    expect(calls).toBe(2);
  });

  it('ends quietly when the signal aborts', async () => {
    server.on('GET /api/v1/tasks/T1/logs', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: log\ndata: ${JSON.stringify(line(1, 'one'))}\n\n`);
      return undefined;
    });
    const ac = new AbortController();
    const got: string[] = [];
    for await (const l of client.followLogs('T1', { signal: ac.signal })) {
      got.push(l.line);
      ac.abort();
    }
    expect(got).toEqual(['one']);
  });

  it('throws the API error of a refused stream', async () => {
    server.on('GET /api/v1/tasks/T1/logs', {
      status: 404,
      body: { error: { code: 'not_found', message: 'task T1 not found' } },
    });
    const it = client.followLogs('T1');
    await expect(it.next()).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });
});

describe('ChronoqClient options', () => {
  it('refuses a URL that is not http(s)', () => {
    expect(() => new ChronoqClient({ url: 'localhost:7070' })).toThrow(ChronoqValidationError);
  });
});
