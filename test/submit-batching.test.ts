import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChronoqApiError, ChronoqClient, ChronoqNetworkError } from '../src/client/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';

const HOUR = 3_600_000;
let server: RunningServer;
let client: ChronoqClient;
/** The requests the client sent, as `METHOD path`. */
let sent: string[];

beforeAll(async () => {
  server = await startServer({
    db: 'sqlite::memory:',
    port: 0,
    logLevel: 'silent',
    worker: false,
    limits: { payloadBytes: 1024 },
  });
  client = new ChronoqClient({
    url: server.url,
    batchSubmits: true,
    fetch: (input, init) => {
      sent.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    },
  });
});

afterAll(async () => {
  await server.shutdown({ graceMs: 0 });
});

beforeEach(() => {
  sent = [];
});

const later = (n: number) => ({ type: 'batch.test', payload: { n }, delayMs: HOUR });

describe('ChronoqClient with batchSubmits', () => {
  it('sends concurrent submits as one batch, each caller getting its own task', async () => {
    const tasks = await Promise.all(Array.from({ length: 50 }, (_, n) => client.submit(later(n))));
    expect(sent).toEqual(['POST /api/v1/tasks/batch']);
    expect(tasks.map((t) => t.payload)).toEqual(Array.from({ length: 50 }, (_, n) => ({ n })));
    expect(new Set(tasks.map((t) => t.id)).size).toBe(50);
    const stored = await client.get(tasks[17]!.id);
    expect(stored).toMatchObject({ state: 'pending', payload: { n: 17 } });
  });

  it('sends a lone submit as a single request', async () => {
    const task = await client.submit(later(1));
    expect(sent).toEqual(['POST /api/v1/tasks']);
    expect(task.payload).toEqual({ n: 1 });
  });

  it('splits more than 1,000 concurrent submits into batches of at most 1,000', async () => {
    const tasks = await Promise.all(
      Array.from({ length: 1001 }, (_, n) => client.submit(later(n))),
    );
    expect(sent).toEqual(['POST /api/v1/tasks/batch', 'POST /api/v1/tasks']);
    expect(tasks[1000]!.payload).toEqual({ n: 1000 });
  });

  it('gives one idempotency key submitted twice at once a single task', async () => {
    const spec = { ...later(0), idempotencyKey: 'same-moment' };
    const [a, b] = await Promise.all([client.submit(spec), client.submit(spec)]);
    expect(sent).toEqual(['POST /api/v1/tasks/batch']);
    expect(a!.id).toBe(b!.id);
  });

  it('when the server refuses one task of a batch, sends each alone: only that one fails', async () => {
    const big = { type: 'batch.test', payload: { blob: 'x'.repeat(2000) }, delayMs: HOUR };
    const results = await Promise.allSettled([
      client.submit(later(1)),
      client.submit(big),
      client.submit(later(3)),
    ]);
    expect(sent[0]).toBe('POST /api/v1/tasks/batch');
    expect(sent.slice(1)).toEqual(Array(3).fill('POST /api/v1/tasks'));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const err = (results[1] as PromiseRejectedResult).reason as ChronoqApiError;
    expect(err).toBeInstanceOf(ChronoqApiError);
    expect(err).toMatchObject({ status: 413, field: 'payload' });
    // Nothing of the refused batch was written: each task exists once.
    const page = await client.list({ type: 'batch.test', limit: 1000 });
    const ns = page.tasks.map((t) => (t.payload as { n?: number }).n);
    expect(ns.filter((n) => n === 3)).toHaveLength(1);
  });

  it('refuses an invalid spec at once, without holding back the others', async () => {
    const results = await Promise.allSettled([
      client.submit(later(1)),
      client.submit({ type: 'batch.test', runAt: 'tomorrow' }),
      client.submit(later(2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ field: 'runAt' });
    expect(sent).toEqual(['POST /api/v1/tasks/batch']);
  });

  it('sends a submit with a traceparent alone, so that it keeps its own trace', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const [traced] = await Promise.all([
      client.submit(later(1), { traceparent }),
      client.submit(later(2)),
      client.submit(later(3)),
    ]);
    expect(sent.sort()).toEqual(['POST /api/v1/tasks', 'POST /api/v1/tasks/batch']);
    expect(traced!.payload).toEqual({ n: 1 });
  });

  it('rejects every caller of a batch the server cannot be reached for, sending nothing twice', async () => {
    const down = new ChronoqClient({
      url: 'http://127.0.0.1:1',
      batchSubmits: true,
      fetch: (input, init) => {
        sent.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
        return fetch(input, init);
      },
    });
    const results = await Promise.allSettled([down.submit(later(1)), down.submit(later(2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    for (const r of results) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ChronoqNetworkError);
    }
    expect(sent).toEqual(['POST /api/v1/tasks/batch']);
  });
});
