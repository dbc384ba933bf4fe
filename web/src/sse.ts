import { API, authHeaders, authRequired, errorOf, isAbort } from './api';

/** One server-sent event. */
export interface SseMessage {
  event: string;
  data: string;
  id: string | null;
}

export interface SseOptions {
  signal: AbortSignal;
  onOpen?: () => void;
  onMessage: (msg: SseMessage) => void;
}

/**
 * Server-sent events over `fetch`, so the stream can carry `Authorization` (EventSource cannot
 * set headers). Resolves when the server ends the stream; rejects with ApiError on a non-2xx
 * answer (raising the login screen on 401) and with AbortError when `signal` aborts.
 */
export async function fetchSse(path: string, opts: SseOptions): Promise<void> {
  const res = await fetch(API + path, {
    headers: { accept: 'text/event-stream', ...authHeaders() },
    signal: opts.signal,
    cache: 'no-store',
  });
  if (!res.ok || !res.body) {
    const err = await errorOf(res);
    if (res.status === 401) authRequired();
    throw err;
  }
  opts.onOpen?.();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let event = '';
  let data: string[] = [];
  let id: string | null = null;
  const line = (l: string) => {
    if (l === '') {
      if (data.length > 0) opts.onMessage({ event: event || 'message', data: data.join('\n'), id });
      event = '';
      data = [];
      return;
    }
    if (l.startsWith(':')) return; // a comment: keep-alive
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let nl: number;
    while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
      const sep = buf[nl] === '\r' && buf[nl + 1] === '\n' ? 2 : 1;
      line(buf.slice(0, nl));
      buf = buf.slice(nl + sep);
    }
  }
}

export interface FollowOptions {
  /** Path of the stream; called again on every reconnect. */
  path: () => string;
  onMessage: (msg: SseMessage) => void;
  onStatus?: (status: 'connecting' | 'open' | 'retrying' | 'ended') => void;
  /** Stop reconnecting once this returns true (e.g. after an `end` event). */
  finished?: () => boolean;
}

/** Keeps a stream open: reconnects with backoff until stopped. Returns the stop function. */
export function followSse(opts: FollowOptions): () => void {
  const ac = new AbortController();
  void (async () => {
    let delay = 500;
    while (!ac.signal.aborted) {
      opts.onStatus?.('connecting');
      try {
        await fetchSse(opts.path(), {
          signal: ac.signal,
          onOpen: () => {
            delay = 500;
            opts.onStatus?.('open');
          },
          onMessage: opts.onMessage,
        });
      } catch (err) {
        if (isAbort(err) || ac.signal.aborted) return;
        const status = (err as { status?: number }).status ?? 0;
        if (status >= 400 && status < 500) {
          // Refused (401: the login screen takes over; 404: nothing to follow): no retry.
          opts.onStatus?.('ended');
          return;
        }
      }
      if (opts.finished?.()) {
        opts.onStatus?.('ended');
        return;
      }
      opts.onStatus?.('retrying');
      await new Promise<void>((r) => {
        const t = setTimeout(r, delay);
        ac.signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
      delay = Math.min(delay * 2, 10_000);
    }
  })();
  return () => ac.abort();
}
