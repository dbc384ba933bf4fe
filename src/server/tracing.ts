import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Task, TraceContext } from '../domain/task.js';
import { otelContextOf, parseTraceContext, traceContextOfSpan } from '../protocol/trace-context.js';
import { VERSION } from './version.js';

/**
 * Spans of the server, through `@opentelemetry/api`: no-ops unless the application registers an
 * OpenTelemetry SDK. A task keeps its submitter's trace context; the spans of its submit,
 * placement and execution are children of it.
 */
const tracer = () => trace.getTracer('chronoq', VERSION);

/** The trace context of a request's `traceparent` / `tracestate` headers, if valid. */
export function traceFromHeaders(headers: Record<string, unknown>): TraceContext | null {
  const one = (v: unknown) => (Array.isArray(v) ? v[0] : v);
  return parseTraceContext(one(headers.traceparent), one(headers.tracestate));
}

/**
 * Run a submit of tasks inside a `chronoq.submit` span, child of the submitter's context. `run`
 * gets the trace context to store with the tasks: the submitter's, or (when it sent none and an
 * SDK records) the submit span's own, so the task's later spans still join one trace.
 */
export async function withSubmitSpan<T>(
  incoming: TraceContext | null,
  attributes: Record<string, string | number>,
  run: (stored: TraceContext | null) => Promise<{ result: T; taskIds: string[] }>,
): Promise<T> {
  const span = tracer().startSpan(
    'chronoq.submit',
    { kind: SpanKind.PRODUCER, attributes },
    otelContextOf(incoming),
  );
  try {
    const { result, taskIds } = await run(incoming ?? traceContextOfSpan(span));
    if (taskIds.length === 1) span.setAttribute('chronoq.task.id', taskIds[0]!);
    span.setAttribute('chronoq.tasks', taskIds.length);
    return result;
  } catch (err) {
    fail(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/**
 * `chronoq.place` spans of tasks just assigned to workers: from when each was due to when it
 * was placed, children of the task's trace context (untraced tasks get none).
 */
export function recordPlacements(tasks: Task[]): void {
  for (const t of tasks) {
    if (!t.trace) continue;
    const due = Math.min(t.runAt ?? t.createdAt, t.updatedAt);
    const span = tracer().startSpan(
      'chronoq.place',
      {
        kind: SpanKind.INTERNAL,
        startTime: new Date(due),
        attributes: {
          'chronoq.task.id': t.id,
          'chronoq.task.type': t.type,
          'chronoq.queue': t.queue,
          'chronoq.attempt': t.attempt,
          'chronoq.worker.id': t.workerId ?? '',
        },
      },
      otelContextOf(t.trace),
    );
    span.end(new Date(t.updatedAt));
  }
}

function fail(span: Span, err: unknown): void {
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: err instanceof Error ? err.message : String(err),
  });
}
