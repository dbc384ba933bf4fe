import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Report } from '../domain/state-machine.js';
import type { AssignmentMessage } from '../protocol/worker-messages.js';
import { otelContextOf } from '../protocol/trace-context.js';

/**
 * The `chronoq.execute` span of one attempt, a child of the submitter's trace context (through
 * `@opentelemetry/api`: a no-op unless the worker's process registers an SDK). The executor
 * starts inside it, so a handler's own spans nest under it where a context manager is set up.
 */
export function startExecutionSpan(a: AssignmentMessage): {
  span: Span;
  within: <T>(fn: () => T) => T;
} {
  const parent = otelContextOf(a.trace ?? null);
  const span = trace.getTracer('chronoq').startSpan(
    'chronoq.execute',
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'chronoq.task.id': a.id,
        'chronoq.task.type': a.type,
        'chronoq.queue': a.queue,
        'chronoq.attempt': a.attempt,
        'chronoq.executor': a.executor.kind,
      },
    },
    parent,
  );
  const active = trace.setSpan(parent, span);
  return { span, within: (fn) => context.with(active, fn) };
}

/** End an attempt's span with its outcome (null: revoked, it is no longer this worker's). */
export function endExecutionSpan(run: { span: Span | null }, report: Report | null): void {
  const span = run.span;
  if (span === null) return;
  run.span = null;
  const outcome = report?.kind ?? 'revoked';
  span.setAttribute('chronoq.outcome', outcome);
  if (report?.kind === 'failed') {
    span.setStatus({ code: SpanStatusCode.ERROR, message: report.error.message });
  }
  span.end();
}
