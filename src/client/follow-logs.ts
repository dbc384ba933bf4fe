import type { LogLineView } from '../protocol/views.js';
import { ChronoqNetworkError } from './errors.js';
import { toApiError, type HttpTransport } from './http.js';
import { sleep } from './sleep.js';
import { parseEventStream } from './sse.js';
import type { FollowLogsOptions } from './types.js';

/** Reconnects in a row that bring no line before following gives up. */
const MAX_IDLE_RECONNECTS = 3;

/**
 * Stream a task's log lines (`GET …/logs?follow=1`, server-sent events) until the server sends
 * `end` (the task is terminal) or `signal` aborts. A stream cut short is resumed after the last
 * line seen, so no line is repeated or lost.
 */
export async function* followLogs(
  http: HttpTransport,
  path: string,
  o: FollowLogsOptions = {},
): AsyncGenerator<LogLineView, void, undefined> {
  const { signal } = o;
  let after = o.after;
  let idle = 0;
  for (;;) {
    const query = { follow: '1', attempt: o.attempt, after };
    let res: Response;
    try {
      res = await http.fetch('GET', path, {
        query,
        signal,
        headers: { accept: 'text/event-stream' },
      });
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    if (!res.ok) throw toApiError({ status: res.status, body: await readBody(res) });
    if (!res.body) throw new ChronoqNetworkError(http.url(path, query), 'empty response body');

    let progressed = false;
    try {
      for await (const ev of parseEventStream(res.body)) {
        if (ev.event === 'end') return;
        if (ev.event !== 'log') continue;
        const line = JSON.parse(ev.data) as LogLineView;
        after = line.seq;
        progressed = true;
        yield line;
      }
    } catch (err) {
      if (signal?.aborted) return;
      if (err instanceof SyntaxError) throw err;
      // the connection broke: resume below
    }
    idle = progressed ? 0 : idle + 1;
    if (idle >= MAX_IDLE_RECONNECTS) {
      throw new ChronoqNetworkError(
        http.url(path, query),
        'the log stream keeps closing before the task finished',
      );
    }
    if (!(await sleep(200 * idle, signal))) return;
  }
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
