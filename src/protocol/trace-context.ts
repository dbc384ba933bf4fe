import {
  createTraceState,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
} from '@opentelemetry/api';

/** The W3C trace context a task carries (https://www.w3.org/TR/trace-context/). */
export interface TraceContextValue {
  traceparent: string;
  tracestate?: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZEROS_TRACE = '0'.repeat(32);
const ZEROS_SPAN = '0'.repeat(16);
/** Longest tracestate kept (the spec allows 32 members of up to 256 characters each). */
const MAX_TRACESTATE = 8192;

/**
 * The trace context of `traceparent` / `tracestate` values (headers or SDK options), or null
 * when there is no valid `traceparent`: as the W3C spec says, an invalid one is ignored, never
 * an error. A `tracestate` without a valid `traceparent` is dropped too.
 */
export function parseTraceContext(
  traceparent: unknown,
  tracestate?: unknown,
): TraceContextValue | null {
  if (typeof traceparent !== 'string') return null;
  const parent = traceparent.trim().toLowerCase();
  const m = TRACEPARENT.exec(parent);
  if (!m || m[1] === ZEROS_TRACE || m[2] === ZEROS_SPAN) return null;
  const state = typeof tracestate === 'string' ? tracestate.trim() : '';
  const printable = /^[\x20-\x7e]*$/.test(state);
  return state && printable && state.length <= MAX_TRACESTATE
    ? { traceparent: parent, tracestate: state }
    : { traceparent: parent };
}

/**
 * An OpenTelemetry context whose parent is the (remote) span a trace context names: spans started
 * in it are that span's children. ROOT_CONTEXT when there is none.
 */
export function otelContextOf(value: TraceContextValue | null | undefined): Context {
  const parsed = value ? parseTraceContext(value.traceparent, value.tracestate) : null;
  if (!parsed) return ROOT_CONTEXT;
  const [, traceId, spanId, flags] = TRACEPARENT.exec(parsed.traceparent)!;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: traceId!,
    spanId: spanId!,
    traceFlags: parseInt(flags!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
    traceState: parsed.tracestate ? createTraceState(parsed.tracestate) : undefined,
  });
}

/** The trace context of a span (to hand on), or null when it records nothing. */
export function traceContextOfSpan(span: {
  isRecording(): boolean;
  spanContext(): {
    traceId: string;
    spanId: string;
    traceFlags: number;
    traceState?: { serialize(): string };
  };
}): TraceContextValue | null {
  if (!span.isRecording()) return null;
  const c = span.spanContext();
  const flags = (c.traceFlags & 0xff).toString(16).padStart(2, '0');
  const state = c.traceState?.serialize();
  return state
    ? { traceparent: `00-${c.traceId}-${c.spanId}-${flags}`, tracestate: state }
    : { traceparent: `00-${c.traceId}-${c.spanId}-${flags}` };
}
