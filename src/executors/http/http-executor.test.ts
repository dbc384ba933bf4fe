import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunInput, RunResult, RunSink } from '../executor.js';
import { HttpExecutor } from './index.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
let port: number;
const received: Received[] = [];
/** Called when a request to /hang arrives, and when its connection closes. */
let onHang: (() => void) | null = null;
let onHangClosed: (() => void) | null = null;

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', base);
  const status = Number(url.searchParams.get('status') ?? 200);
  switch (url.pathname) {
    case '/echo':
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ method: req.method, body }));
      return;
    case '/text':
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end('hello');
      return;
    case '/big':
      res.writeHead(status, { 'content-type': url.searchParams.get('type') ?? 'text/plain' });
      res.end('x'.repeat(100_000));
      return;
    case '/empty':
      res.writeHead(204);
      res.end();
      return;
    case '/redirect':
      res.writeHead(Number(url.searchParams.get('code') ?? 302), {
        location: url.searchParams.get('to') ?? '/echo',
      });
      res.end();
      return;
    case '/hang':
      res.on('close', () => onHangClosed?.());
      onHang?.();
      return;
    default:
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no such route');
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      route(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function input(path: string, method = 'POST', headers?: Record<string, string>): RunInput {
  return {
    taskId: 'task-7',
    attempt: 3,
    type: 'test.http',
    queue: 'default',
    payload: { order: 42 },
    executor: { kind: 'http', url: path.startsWith('http') ? path : base + path, method, headers },
    labels: {},
    workflowId: null,
    stepId: null,
    parents: {},
  };
}

function recordingSink() {
  const logs: string[] = [];
  const sink: RunSink = { progress: () => {}, log: (_stream, line) => logs.push(line) };
  return { sink, logs };
}

const executor = new HttpExecutor();
const run = (ex: HttpExecutor, i: RunInput): Promise<RunResult> =>
  ex.start(i, recordingSink().sink).done;

describe('HttpExecutor', () => {
  it('posts the payload as JSON with an Idempotency-Key and parses a JSON answer', async () => {
    received.length = 0;
    const result = await run(executor, input('/echo'));
    expect(result).toEqual({
      kind: 'succeeded',
      result: { method: 'POST', body: '{"order":42}' },
    });
    expect(received[0]!.headers['idempotency-key']).toBe('task-7:3');
    expect(received[0]!.headers['content-type']).toBe('application/json');
  });

  it('sends no body with GET and keeps the headers of the spec', async () => {
    received.length = 0;
    const result = await run(
      executor,
      input('/echo', 'get', { 'X-Trace': 'abc', 'Idempotency-Key': 'mine' }),
    );
    expect(result).toEqual({ kind: 'succeeded', result: { method: 'GET', body: '' } });
    expect(received[0]!.headers['x-trace']).toBe('abc');
    expect(received[0]!.headers['idempotency-key']).toBe('mine');
    expect(received[0]!.headers['content-type']).toBeUndefined();
  });

  it('keeps a content-type given by the spec', async () => {
    received.length = 0;
    await run(executor, input('/echo', 'PUT', { 'content-type': 'application/vnd.x+json' }));
    expect(received[0]!.headers['content-type']).toBe('application/vnd.x+json');
  });

  it('succeeds with the text of a non-JSON answer, and null for an empty one', async () => {
    expect(await run(executor, input('/text'))).toEqual({ kind: 'succeeded', result: 'hello' });
    expect(await run(executor, input('/empty'))).toEqual({ kind: 'succeeded', result: null });
  });

  it('cuts a long 2xx body at maxResultBytes, unparsed, and logs it', async () => {
    const rec = recordingSink();
    const result = await new HttpExecutor({ maxResultBytes: 1000 }).start(
      input('/big?type=application/json'),
      rec.sink,
    ).done;
    expect(result).toEqual({ kind: 'succeeded', result: 'x'.repeat(1000) });
    expect(rec.logs).toHaveLength(1);
    expect(rec.logs[0]).toContain('truncated');
  });

  it('fails for good on 404, with the status and the start of the body', async () => {
    expect(await run(executor, input('/nowhere'))).toEqual({
      kind: 'failed',
      error: {
        message: 'HTTP 404 Not Found',
        code: 'HTTP_404',
        status: 404,
        body: 'no such route',
      },
      retryable: false,
    });
  });

  it.each([408, 429, 500, 503])('fails retryably on %i', async (status) => {
    const result = await run(executor, input(`/big?status=${status}`));
    expect(result).toMatchObject({
      kind: 'failed',
      retryable: true,
      error: { code: `HTTP_${status}`, status },
    });
    expect(result.kind === 'failed' && result.error.body).toBe('x'.repeat(2048));
  });

  it('aborts the request on stop: cancelled, or a TIMEOUT failure', async () => {
    for (const [reason, expected] of [
      ['cancel', { kind: 'cancelled' }],
      [
        'timeout',
        {
          kind: 'failed',
          error: { message: 'attempt timed out', code: 'TIMEOUT' },
          retryable: true,
        },
      ],
    ] as const) {
      const arrived = new Promise<void>((resolve) => (onHang = resolve));
      const closed = new Promise<void>((resolve) => (onHangClosed = resolve));
      const execution = executor.start(input('/hang'), recordingSink().sink);
      await arrived;
      await execution.pause(); // resolves at once; the call carries on
      execution.stop(reason);
      execution.stop('shutdown');
      expect(await execution.done).toEqual(expected);
      await closed; // the server saw the connection go
    }
  });

  it('refuses a host outside allowHosts, naming it, and allows listed hosts and ports', async () => {
    const refused = await run(new HttpExecutor({ allowHosts: ['example.com'] }), input('/echo'));
    expect(refused).toMatchObject({
      kind: 'failed',
      retryable: false,
      error: { code: 'HOST_NOT_ALLOWED', host: `127.0.0.1:${port}` },
    });
    expect(refused.kind === 'failed' && refused.error.message).toContain('127.0.0.1');
    const otherPort = new HttpExecutor({ allowHosts: [`127.0.0.1:${port + 1}`] });
    expect(await run(otherPort, input('/text'))).toMatchObject({
      kind: 'failed',
      retryable: false,
    });
    for (const allowHosts of [['127.0.0.1'], [`127.0.0.1:${port}`], ['EXAMPLE.com', '127.0.0.1']]) {
      expect(await run(new HttpExecutor({ allowHosts }), input('/text'))).toEqual({
        kind: 'succeeded',
        result: 'hello',
      });
    }
    expect(() => new HttpExecutor({ allowHosts: ['http://x/y'] })).toThrow(TypeError);
  });

  it('follows redirects, checking each hop against allowHosts', async () => {
    received.length = 0;
    expect(await run(executor, input('/redirect?code=303&to=/echo'))).toEqual({
      kind: 'succeeded',
      result: { method: 'GET', body: '' },
    });
    expect(await run(executor, input('/redirect?code=307&to=/echo'))).toEqual({
      kind: 'succeeded',
      result: { method: 'POST', body: '{"order":42}' },
    });
    const guarded = new HttpExecutor({ allowHosts: ['127.0.0.1'] });
    const away = encodeURIComponent('http://169.254.169.254/latest/meta-data');
    expect(await run(guarded, input(`/redirect?to=${away}`))).toMatchObject({
      kind: 'failed',
      retryable: false,
      error: { code: 'HOST_NOT_ALLOWED', host: '169.254.169.254' },
    });
    const loop = encodeURIComponent('/redirect?to=/redirect');
    expect(
      await run(new HttpExecutor({ maxRedirects: 2 }), input(`/redirect?to=${loop}`)),
    ).toMatchObject({ kind: 'failed', retryable: false, error: { code: 'TOO_MANY_REDIRECTS' } });
  });

  it('fails retryably on a network error (closed port)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await run(executor, input(`http://127.0.0.1:${closedPort}/x`));
    expect(result).toMatchObject({
      kind: 'failed',
      retryable: true,
      error: { code: 'NETWORK_ERROR', cause: 'ECONNREFUSED' },
    });
    expect(result.kind === 'failed' && result.error.message).toContain('ECONNREFUSED');
  });

  it('fails for good on a spec it cannot send', async () => {
    for (const i of [
      input('ftp://127.0.0.1/x'),
      input('not a url'),
      input('/echo', 'GET POST'),
      input('/echo', 'POST', { 'bad header': 'x' }),
      { ...input('/echo'), executor: { kind: 'function' } } as RunInput,
    ]) {
      expect(await run(executor, i)).toMatchObject({
        kind: 'failed',
        retryable: false,
        error: { code: 'INVALID_SPEC' },
      });
    }
  });
});
