/** A steady stream of batch submits spread over replicas, tolerant of replicas that fail. */
export interface Load {
  /** Stop submitting; resolves with the ids the API acknowledged (201). */
  stop(): Promise<string[]>;
  /** Submits that failed (refused, timed out, 5xx): not acknowledged, retried with the next. */
  readonly failures: number;
  readonly acknowledged: number;
}

export interface LoadOptions {
  /** Replicas to submit to now (one is picked per batch, in turn). */
  urls: () => string[];
  /** Tasks per batch, and batches per second. */
  batch: number;
  batchesPerS: number;
  spec: (i: number) => object;
  /** How long one submit may take before it counts as failed. */
  timeoutMs?: number;
}

export function startLoad(o: LoadOptions): Load {
  const ids: string[] = [];
  let failures = 0;
  let stopped = false;
  let n = 0;
  let turn = 0;
  const loop = (async () => {
    while (!stopped) {
      const tick = Date.now();
      const urls = o.urls();
      const url = urls[turn++ % Math.max(1, urls.length)];
      if (url) {
        const tasks = Array.from({ length: o.batch }, () => o.spec(n++));
        try {
          const res = await fetch(`${url}/api/v1/tasks/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ tasks }),
            signal: AbortSignal.timeout(o.timeoutMs ?? 5000),
          });
          const body = (await res.json()) as { tasks?: { id: string }[] };
          if (res.status === 201 && body.tasks) ids.push(...body.tasks.map((t) => t.id));
          else failures++;
        } catch {
          failures++;
        }
      }
      const wait = 1000 / o.batchesPerS - (Date.now() - tick);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return ids;
    },
    get failures() {
      return failures;
    },
    get acknowledged() {
      return ids.length;
    },
  };
}
