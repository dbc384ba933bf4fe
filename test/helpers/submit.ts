import { call } from './http.js';

/** Submit `specs` in batches of at most 1,000; resolves with the acknowledged ids, in order. */
export async function submitAll(base: string | (() => string), specs: object[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < specs.length; i += 1000) {
    const url = typeof base === 'string' ? base : base();
    const r = await call(url, 'POST', '/api/v1/tasks/batch', { tasks: specs.slice(i, i + 1000) });
    if (r.status !== 201) throw new Error(`batch submit: ${r.status} ${JSON.stringify(r.body)}`);
    ids.push(...r.body.tasks.map((t: { id: string }) => t.id));
  }
  return ids;
}

/** `n` tasks of the run-log handler `work`, each sleeping 10 to 50 ms. */
export function workSpecs(n: number, extra: object = {}): object[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'work',
    payload: { ms: 10 + ((i * 7919) % 41) },
    maxAttempts: 50,
    backoff: { kind: 'fixed', initialMs: 10, jitter: 0 },
    ...extra,
  }));
}

/** p-th percentile (0..100) of `values`, nearest rank; 0 for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
