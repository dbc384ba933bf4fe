/** A tiny JSON client for tests: returns status and parsed body, never throws on 4xx/5xx. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Poll-free wait: ask the server to answer once the task is terminal. */
export async function waitTask(base: string, id: string, timeoutMs = 20_000): Promise<any> {
  const r = await call(base, 'GET', `/api/v1/tasks/${id}/wait?timeoutMs=${timeoutMs}`);
  if (r.status !== 200) throw new Error(`task ${id} not terminal: ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Follow the server's change stream from now on; `until(match)` resolves with the first task
 * change (already seen or still to come) that `match` accepts. Open it before acting.
 */
export async function watchChanges(base: string): Promise<{
  until: (match: (change: any) => boolean, timeoutMs?: number) => Promise<any>;
  changes: () => any[];
  close: () => void;
}> {
  const ac = new AbortController();
  const res = await fetch(`${base}/api/v1/events`, { signal: ac.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const seen: any[] = [];
  const waiters = new Set<() => void>();
  let buf = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const chunk = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(chunk)?.[1];
          const data = /^data: (.*)$/m.exec(chunk)?.[1];
          if (event === 'tasks' && data) seen.push(...JSON.parse(data));
        }
        for (const w of waiters) w();
      }
    } catch {
      // aborted
    }
  })();
  return {
    until(match, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = seen.find(match);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error('no matching change before the timeout'));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    changes: () => [...seen],
    close: () => ac.abort(),
  };
}
