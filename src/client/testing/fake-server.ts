import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fake server saw it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body, or null. */
  body: unknown;
}

/** A canned JSON answer. */
export interface Reply {
  status?: number;
  body?: unknown;
}

/** Answer a request: return a reply, or write `res` yourself and return nothing. */
export type Handler = (
  req: RecordedRequest,
  res: ServerResponse,
) => Reply | undefined | Promise<Reply | undefined>;

export interface FakeServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Every request, in order. */
  requests: RecordedRequest[];
  /** Answer `METHOD /path` with a fixed reply or a handler. */
  on(route: string, answer: Reply | Handler): void;
  close(): Promise<void>;
}

/**
 * A tiny real HTTP server on a free port, answering with canned responses; unknown routes get a
 * 404 error body like the API's.
 */
export async function startFakeServer(): Promise<FakeServer> {
  const routes = new Map<string, Handler>();
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://x');
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: text ? (JSON.parse(text) as unknown) : null,
      };
      requests.push(rec);
      const handler = routes.get(`${rec.method} ${rec.path}`);
      const reply = handler
        ? await handler(rec, res)
        : { status: 404, body: { error: { code: 'not_found', message: `no route ${rec.path}` } } };
      if (!reply) return;
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    })().catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(route, answer) {
      routes.set(route, typeof answer === 'function' ? answer : () => answer);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A task view with everything filled in, for canned answers. */
export function fakeTask(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'T1',
    type: 'email.send',
    queue: 'default',
    payload: null,
    priority: 0,
    runAt: null,
    maxAttempts: 3,
    backoff: { kind: 'exponential', initialMs: 1000, maxMs: 60000, jitter: 0.2 },
    timeoutMs: null,
    idempotencyKey: null,
    concurrencyKey: null,
    executor: { kind: 'function' },
    selector: {},
    tolerations: [],
    resources: {},
    labels: {},
    state: 'ready',
    want: 'run',
    attempt: 0,
    attemptsLeft: 3,
    workerId: null,
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    result: null,
    error: null,
    progress: null,
    workflowId: null,
    stepId: null,
    scheduleId: null,
    fireAt: null,
    ...over,
  };
}
