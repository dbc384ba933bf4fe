import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChronoqClient } from '../src/client/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { readFileSync } from 'node:fs';
import { call, watchChanges } from './helpers/http.js';

let server: RunningServer;
let client: ChronoqClient;
let target: Server;
let targetUrl: string;
const received: { headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = await startServer({
    db: 'sqlite::memory:',
    port: 0,
    logLevel: 'silent',
    allowExec: true,
    allowHttp: true,
  });
  client = new ChronoqClient({ url: server.url });
  target = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      const status = Number(new URL(req.url!, 'http://x').searchParams.get('status') ?? 200);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ echoed: body ? JSON.parse(body) : null }));
    });
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const addr = target.address();
  targetUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(async () => {
  await server.shutdown({ graceMs: 0 });
  await new Promise((r) => target.close(r));
});

describe('process and http tasks through the server', () => {
  it('captures a command’s output and fails it with its exit code', async () => {
    const t = await client.submit({
      type: 'shell',
      maxAttempts: 1,
      executor: { kind: 'process', command: ['sh', '-c', 'echo hello; echo oops >&2; exit 3'] },
    });
    const done = await client.wait(t.id, { timeoutMs: 10_000 });
    expect(done.state).toBe('failed');
    expect(done.error).toMatchObject({ code: 'EXIT_CODE', exitCode: 3 });
    const lines = (await client.logs(t.id)).map((l) => [l.stream, l.line]);
    expect(lines).toEqual(
      expect.arrayContaining([
        ['stdout', 'hello'],
        ['stderr', 'oops'],
      ]),
    );
  });

  it('calls a URL with the payload and an idempotency key; the JSON answer is the result', async () => {
    const t = await client.submit({
      type: 'webhook',
      payload: { n: 7 },
      executor: { kind: 'http', url: `${targetUrl}/hook`, method: 'POST' },
    });
    const done = await client.wait(t.id, { timeoutMs: 10_000 });
    expect(done).toMatchObject({ state: 'succeeded', result: { echoed: { n: 7 } } });
    expect(received.at(-1)!.headers['idempotency-key']).toBe(`${t.id}:1`);
  });

  it('does not retry a 4xx answer', async () => {
    const t = await client.submit({
      type: 'webhook',
      executor: { kind: 'http', url: `${targetUrl}/hook?status=404`, method: 'POST' },
    });
    const done = await client.wait(t.id, { timeoutMs: 10_000 });
    expect(done).toMatchObject({ state: 'failed', attempt: 1 });
  });

  it('pauses a CPU-bound process (no CPU while paused) and lets it finish after resume', async () => {
    const busy = `console.log(process.pid);
      const start = process.cpuUsage();
      for (;;) { const u = process.cpuUsage(start); if (u.user + u.system > 600000) break; }`;
    const t = await client.submit({
      type: 'busy',
      executor: { kind: 'process', command: [process.execPath, '-e', busy] },
    });
    const lines = client.followLogs(t.id, { signal: AbortSignal.timeout(20_000) });
    let pid = 0;
    for await (const line of lines) {
      pid = Number(line.line);
      break;
    }
    expect(pid).toBeGreaterThan(0);
    const watch = await watchChanges(server.url);
    await client.pause(t.id);
    await watch.until((c) => c.id === t.id && c.state === 'paused');
    const stat = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // The stop takes effect once the kernel next schedules the process: wait for that state.
    const deadline = Date.now() + 5000;
    while (stat()[0] !== 'T' && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(stat()[0]).toBe('T');
    const cpu = () => Number(stat()[11]) + Number(stat()[12]);
    const before = cpu();
    await new Promise((r) => setTimeout(r, 300)); // a window in which a running loop would use CPU
    expect(cpu()).toBe(before);
    await client.resume(t.id);
    const done = await client.wait(t.id, { timeoutMs: 20_000 });
    expect(done.state).toBe('succeeded');
    watch.close();
  });

  it('never places a process task where exec is not allowed', async () => {
    const closed = await startServer({ db: 'sqlite::memory:', port: 0, logLevel: 'silent' });
    const t = await call(closed.url, 'POST', '/api/v1/tasks', {
      type: 'shell',
      executor: { kind: 'process', command: ['true'] },
    });
    const w = await call(closed.url, 'GET', `/api/v1/tasks/${t.body.id}/wait?timeoutMs=300`);
    expect(w.status).toBe(408);
    expect(w.body.task.state).toBe('ready');
    const detail = await call(closed.url, 'GET', `/api/v1/tasks/${t.body.id}`);
    const note = detail.body.events.find((e: any) => e.kind === 'unplaceable');
    expect(note.detail.reason).toBe('no worker allows the process executor');
    await closed.shutdown({ graceMs: 0 });
  });
});
