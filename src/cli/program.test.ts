import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer, ServerOptions } from '../server/index.js';
import { fakeTask, startFakeServer, type FakeServer } from '../client/testing/fake-server.js';
import { run } from './program.js';
import { memoryIo } from './testing/memory-io.js';

describe('usage errors exit 2 without calling the server', () => {
  it.each([
    [['submit', 'x', '--bogus'], /unknown option '--bogus'/],
    [['submit'], /missing required argument 'type'/],
    [['get'], /missing required argument 'id'/],
    [['get', 'a', 'b'], /too many arguments/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['submit', 'x', '--delay', '10parsecs'], /error: --delay: "10parsecs" is not a duration/],
    [['submit', 'x', '--payload', '{oops'], /error: --payload is not JSON/],
    [['submit', 'x', '--payload', '@missing.json'], /cannot read missing.json/],
    [['submit', 'x', '--exec', 'echo "unclosed'], /unterminated " quote/],
    [['submit', 'bad type!'], /^error: type: may hold letters/m],
    [['submit', 'x', '--priority', '9999999999'], /error: priority: .*\(field priority\)|priority/],
    [['submit', 'x', '--http', 'ftp://x'], /executor\.url/],
    [['ls', '--state', 'sleeping'], /error: state\.0: /],
    [['ls', '--limit', 'ten'], /--limit: "ten" is not an integer/],
    [['queue', 'set', 'q', '--rate', 'fast'], /--rate: "fast" is not a rate/],
    [['queue', 'set', 'q', '--concurrency', '0'], /concurrency/],
    [['wait', 'T1', '--timeout', 'forever'], /--timeout: "forever" is not a duration/],
    [['server', '--port', 'http'], /--port: "http" is not an integer/],
    [['server', '--log-level', 'loud'], /argument 'loud' is invalid/],
    [['ls', '--url', 'example.com'], /error: url: "example.com" is not an http\(s\) URL/],
  ])('%j', async (argv, message) => {
    const io = memoryIo({ env: { CHRONOQ_URL: 'http://127.0.0.1:1' } });
    const code = await run(argv, io);
    expect(io.err()).toMatch(message);
    expect(code).toBe(2);
    expect(io.out()).toBe('');
  });

  it('prints help on --help for every command, exit 0', async () => {
    for (const argv of [
      ['--help'],
      ['submit', '--help'],
      ['queue', 'set', '--help'],
      ['workers', '--help'],
    ]) {
      const io = memoryIo();
      expect(await run(argv, io)).toBe(0);
      expect(io.out()).toMatch(/^Usage: chronoq/);
    }
  });

  it('prints usage to stderr with no command, exit 2', async () => {
    const io = memoryIo();
    expect(await run([], io)).toBe(2);
    expect(io.err()).toMatch(/Usage: chronoq/);
  });
});

describe('commands against an API', () => {
  let api: FakeServer;
  let env: Record<string, string>;

  beforeEach(async () => {
    api = await startFakeServer();
    env = { CHRONOQ_URL: api.url, CHRONOQ_TOKEN: 'tok' };
  });

  afterEach(async () => {
    await api.close();
  });

  it('submits a task from flags and prints it', async () => {
    api.on('POST /api/v1/tasks', { status: 201, body: fakeTask({ id: 'NEW' }) });
    const io = memoryIo({ env });
    const code = await run(
      [
        'submit',
        'email.send',
        '--payload',
        '{"to":"a"}',
        '--delay',
        '10s',
        '--label',
        'k=v',
        '--exec',
        `echo "a b"`,
      ],
      io,
    );
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect(io.out()).toMatch(/^submitted NEW\s+email\.send\s+default\s+ready$/m);
    expect(api.requests[0]!.headers.authorization).toBe('Bearer tok');
    expect(api.requests[0]!.body).toEqual({
      type: 'email.send',
      payload: { to: 'a' },
      delayMs: 10_000,
      labels: { k: 'v' },
      executor: { kind: 'process', command: ['echo', 'a b'] },
    });
  });

  it('--url and --token override the environment, --json prints the API JSON', async () => {
    const body = { tasks: [fakeTask({ id: 'L1' })], nextCursor: null };
    api.on('GET /api/v1/tasks', { body });
    const io = memoryIo({ env: { CHRONOQ_URL: 'http://127.0.0.1:1' } });
    const code = await run(
      ['ls', '--url', api.url, '--token', 't2', '--json', '--state', 'failed,ready'],
      io,
    );
    expect(code).toBe(0);
    expect(JSON.parse(io.out())).toEqual(body);
    expect(api.requests[0]!.headers.authorization).toBe('Bearer t2');
    expect(api.requests[0]!.query).toEqual({ state: 'failed,ready' });
  });

  it('exits 1 with the API error', async () => {
    api.on('POST /api/v1/tasks/T1/cancel', {
      status: 409,
      body: { error: { code: 'conflict', message: 'task T1 is succeeded' } },
    });
    const io = memoryIo({ env });
    expect(await run(['cancel', 'T1'], io)).toBe(1);
    expect(io.err()).toBe('error: task T1 is succeeded\n');
  });

  it('exits 1 naming the URL when the server is down', async () => {
    await api.close();
    const io = memoryIo({ env });
    expect(await run(['get', 'T1'], io)).toBe(1);
    expect(io.err()).toContain(`error: cannot reach Chronoq at ${api.url}/api/v1/tasks/T1`);
    expect(io.err()).toContain('is the server running?');
  });

  it('wait exits 0 only when the task succeeded', async () => {
    api.on('GET /api/v1/tasks/OK/wait', { body: fakeTask({ id: 'OK', state: 'succeeded' }) });
    api.on('GET /api/v1/tasks/BAD/wait', {
      body: fakeTask({ id: 'BAD', state: 'failed', error: { message: 'boom' } }),
    });
    const ok = memoryIo({ env });
    expect(await run(['wait', 'OK'], ok)).toBe(0);
    expect(ok.out()).toMatch(/state:\s+succeeded/);
    const bad = memoryIo({ env });
    expect(await run(['wait', 'BAD', '--json'], bad)).toBe(1);
    expect(JSON.parse(bad.out())).toMatchObject({ id: 'BAD', state: 'failed' });
    expect(bad.err()).toBe('error: task BAD failed: boom\n');
  });

  it('wait --timeout exits 1 once the time is up', async () => {
    api.on('GET /api/v1/tasks/SLOW/wait', async (req) => {
      await new Promise((r) => setTimeout(r, Number(req.query.timeoutMs)));
      return {
        status: 408,
        body: { error: { code: 'timeout', message: 'x' }, task: fakeTask({ state: 'running' }) },
      };
    });
    const io = memoryIo({ env });
    expect(await run(['wait', 'SLOW', '--timeout', '200ms'], io)).toBe(1);
    expect(io.err()).toMatch(/^error: task SLOW did not finish within .* \(still running\)$/m);
  });

  it('submit --wait waits for the new task', async () => {
    api.on('POST /api/v1/tasks', { status: 201, body: fakeTask({ id: 'W1' }) });
    api.on('GET /api/v1/tasks/W1/wait', { body: fakeTask({ id: 'W1', state: 'succeeded' }) });
    const io = memoryIo({ env });
    expect(await run(['submit', 't', '--wait', '--json'], io)).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ id: 'W1', state: 'succeeded' });
  });

  it('logs -f prints streamed lines until the end event', async () => {
    const line = (seq: number, text: string) => ({
      seq,
      attempt: 1,
      at: '2030-01-01T00:00:01.250Z',
      stream: 'stdout',
      line: text,
    });
    api.on('GET /api/v1/tasks/T1/logs', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: log\ndata: ${JSON.stringify(line(1, 'hello'))}\n\n`);
      res.write(`event: log\ndata: ${JSON.stringify(line(2, 'world'))}\n\n`);
      res.write('event: end\ndata: {"state":"succeeded"}\n\n');
      return undefined;
    });
    const io = memoryIo({ env });
    expect(await run(['logs', 'T1', '-f'], io)).toBe(0);
    expect(io.out()).toBe('00:00:01.250 #1 stdout hello\n00:00:01.250 #1 stdout world\n');
  });

  it('queue set sends the patch; workers drain calls the route', async () => {
    const q = {
      name: 'mail',
      paused: false,
      concurrency: 4,
      rateLimit: { count: 10, intervalMs: 1000 },
      keyConcurrency: 1,
      strategy: 'least-loaded',
      defaults: {},
      counts: {},
    };
    api.on('PATCH /api/v1/queues/mail', { body: q });
    api.on('POST /api/v1/workers/W9/drain', {
      body: { id: 'W9', name: 'box', status: 'live', cordoned: false, draining: true },
    });
    const io = memoryIo({ env });
    expect(await run(['queue', 'set', 'mail', '--concurrency', '4', '--rate', '10/s'], io)).toBe(0);
    expect(api.requests[0]!.body).toEqual({
      concurrency: 4,
      rateLimit: { count: 10, intervalMs: 1000 },
    });
    expect(io.out()).toMatch(/^mail\s+active\s+concurrency 4\s+rate 10\/1s/);
    expect(await run(['workers', 'drain', 'W9'], io)).toBe(0);
    expect(api.requests[1]!.path).toBe('/api/v1/workers/W9/drain');
  });
});

describe('server', () => {
  it('starts with the flags, prints the URL, and shuts down on a signal', async () => {
    const io = memoryIo();
    let given: ServerOptions | undefined;
    let shutdowns = 0;
    io.startServer = async (o) => {
      given = o;
      return {
        url: 'http://127.0.0.1:7171',
        replicaId: 'r1',
        shutdown: async () => {
          shutdowns += 1;
          io.signal('SIGINT'); // a second signal while shutting down leaves at once
        },
        [Symbol.asyncDispose]: async () => {},
      } satisfies RunningServer;
    };
    const done = run(
      [
        'server',
        '--db',
        'sqlite::memory:',
        '--port',
        '7171',
        '--no-worker',
        '--allow-exec',
        '--log-level',
        'warn',
      ],
      io,
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(io.out()).toBe('chronoq server listening on http://127.0.0.1:7171\n');
    expect(given).toEqual({
      db: 'sqlite::memory:',
      port: 7171,
      worker: false,
      allowExec: true,
      logLevel: 'warn',
    });
    io.signal('SIGTERM');
    expect(await done).toBe(0);
    expect(shutdowns).toBe(1);
    expect(io.exits).toEqual([1]);
  });
});
