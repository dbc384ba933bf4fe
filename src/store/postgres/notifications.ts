import type { ChangeEvent } from '../store.js';

/** Postgres refuses NOTIFY payloads of 8000 bytes or more; stay clear of it. */
export const MAX_PAYLOAD_BYTES = 7900;

/** One notification: the event and the store instance that made it (to skip our own echoes). */
interface Envelope {
  s: string;
  e: ChangeEvent;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * The NOTIFY payloads of `event`, each under MAX_PAYLOAD_BYTES: a long list of task changes
 * (or of log task ids) is split over several notifications. An item too large to send even
 * alone is left out and returned in `dropped`.
 */
export function encodeEvent(
  source: string,
  event: ChangeEvent,
): { payloads: string[]; dropped: number } {
  if (event.kind === 'tasks') {
    return split(source, event.changes, (changes) => ({ kind: 'tasks', changes }));
  }
  if (event.kind === 'logs') {
    return split(source, event.taskIds, (taskIds) => ({ kind: 'logs', taskIds }));
  }
  return { payloads: [JSON.stringify({ s: source, e: event } satisfies Envelope)], dropped: 0 };
}

function split<T>(
  source: string,
  items: T[],
  make: (items: T[]) => ChangeEvent,
): { payloads: string[]; dropped: number } {
  const base = bytes(JSON.stringify({ s: source, e: make([]) } satisfies Envelope));
  const payloads: string[] = [];
  let dropped = 0;
  let chunk: T[] = [];
  let size = base;
  const flush = () => {
    if (chunk.length > 0) payloads.push(JSON.stringify({ s: source, e: make(chunk) }));
    chunk = [];
    size = base;
  };
  for (const item of items) {
    const itemSize = bytes(JSON.stringify(item)) + 1; // and a comma
    if (base + itemSize > MAX_PAYLOAD_BYTES) {
      dropped++;
      continue;
    }
    if (size + itemSize > MAX_PAYLOAD_BYTES) flush();
    chunk.push(item);
    size += itemSize;
  }
  flush();
  return { payloads, dropped };
}

/** The event of a payload, with its source; null when it is not one of ours. */
export function decodePayload(payload: string): { source: string; event: ChangeEvent } | null {
  try {
    const parsed = JSON.parse(payload) as Partial<Envelope> | null;
    if (!parsed || typeof parsed.s !== 'string' || typeof parsed.e !== 'object' || !parsed.e) {
      return null;
    }
    const kind = (parsed.e as { kind?: unknown }).kind;
    const kinds = ['tasks', 'workers', 'queues', 'logs', 'schedules', 'workflows'];
    if (typeof kind !== 'string' || !kinds.includes(kind)) return null;
    return { source: parsed.s, event: parsed.e };
  } catch {
    return null;
  }
}
