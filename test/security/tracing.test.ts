import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChronoqClient } from '../../src/client/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { call, waitTask } from '../helpers/http.js';
import { tempDir } from '../helpers/temp.js';

/**
 * Traces with a real OpenTelemetry SDK (an in-memory exporter) registered in this process, the
 * way an application would: the server and its local worker pool report their spans to it.
 */
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tmp = tempDir();
let server: RunningServer;

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

beforeAll(async () => {
  trace.setGlobalTracerProvider(provider);
  server = await startServer({ db: `sqlite:${tmp.dir}/trace.db`, port: 0, logLevel: 'silent' });
});

afterAll(async () => {
  await server?.shutdown({ graceMs: 0 });
  await provider.shutdown();
  trace.disable();
  tmp.cleanup();
});

const spansOf = (taskId: string) =>
  exporter.getFinishedSpans().filter((s) => s.attributes['chronoq.task.id'] === taskId);
const named = (spans: ReadableSpan[], name: string) => {
  const found = spans.filter((s) => s.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
};

describe('traces', () => {
  it("keeps the submitter's trace context and makes submit, placement and execution its children", async () => {
    const r = await call(
      server.url,
      'POST',
      '/api/v1/tasks',
      { type: 'chronoq.noop' },
      {
        traceparent: TRACEPARENT,
        tracestate: 'vendor=abc',
      },
    );
    expect(r.status).toBe(201);
    expect(r.body.trace).toEqual({ traceparent: TRACEPARENT, tracestate: 'vendor=abc' });
    expect((await waitTask(server.url, r.body.id)).state).toBe('succeeded');
    expect(
      (await call(server.url, 'GET', `/api/v1/tasks/${r.body.id}`)).body.trace.traceparent,
    ).toBe(TRACEPARENT);
    const spans = spansOf(r.body.id);
    for (const name of ['chronoq.submit', 'chronoq.place', 'chronoq.execute']) {
      const s = named(spans, name);
      expect(s.spanContext().traceId, name).toBe(TRACE_ID);
      expect(s.parentSpanContext?.spanId, name).toBe(SPAN_ID);
      expect(s.parentSpanContext?.traceState?.get('vendor'), name).toBe('abc');
    }
    const exec = named(spans, 'chronoq.execute');
    expect(exec.attributes).toMatchObject({ 'chronoq.attempt': 1, 'chronoq.outcome': 'succeeded' });
    expect(named(spans, 'chronoq.place').attributes['chronoq.worker.id']).toMatch(/^local@/);
  });

  it('without a trace context, roots the trace at the submit span', async () => {
    const r = await call(
      server.url,
      'POST',
      '/api/v1/tasks',
      { type: 'chronoq.fail', maxAttempts: 1 },
      {
        traceparent: 'not-a-traceparent',
      },
    );
    expect(r.status).toBe(201);
    await waitTask(server.url, r.body.id);
    const spans = spansOf(r.body.id);
    const submit = named(spans, 'chronoq.submit');
    expect(submit.parentSpanContext).toBeUndefined();
    expect(r.body.trace.traceparent).toBe(
      `00-${submit.spanContext().traceId}-${submit.spanContext().spanId}-01`,
    );
    const exec = named(spans, 'chronoq.execute');
    expect(exec.parentSpanContext?.spanId).toBe(submit.spanContext().spanId);
    expect(exec.status.code).toBe(2); // ERROR
    expect(exec.attributes['chronoq.outcome']).toBe('failed');
  });

  it('takes the trace context as an SDK option, for single and batch submits', async () => {
    const client = new ChronoqClient({ url: server.url });
    const one = await client.submit({ type: 'chronoq.noop' }, { traceparent: TRACEPARENT });
    const [a, b] = await client.submitBatch([{ type: 'chronoq.noop' }, { type: 'chronoq.noop' }], {
      traceparent: TRACEPARENT,
    });
    for (const t of [one, a!, b!]) {
      expect(t.trace?.traceparent).toBe(TRACEPARENT);
      await client.wait(t.id, { timeoutMs: 20_000 });
      const exec = named(spansOf(t.id), 'chronoq.execute');
      expect(exec.spanContext().traceId).toBe(TRACE_ID);
      expect(exec.parentSpanContext?.spanId).toBe(SPAN_ID);
    }
  });
});
