// Chronoq as a "system" of bench/workloads.js, driven only through its HTTP API (a client from
// bench/http.js), as a user would drive it.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fillPaused, listQueue, untilQueueDone } from './chronoq-api.js';

const HOUR = 3_600_000;

/** The module of the `bench.stamp` handler, for `--handlers`. */
export const BENCH_HANDLERS = join(dirname(fileURLToPath(import.meta.url)), 'chronoq-handlers.js');

/** The workloads' interface over Chronoq's HTTP API. */
export function chronoqSystem(request) {
  let lastProcId;
  const delayed = (queue) => ({ type: 'chronoq.noop', queue, delayMs: HOUR });
  return {
    enqueue: (queue) => request('POST', '/api/v1/tasks', delayed(queue)),
    enqueueBatch: (queue, n) =>
      request('POST', '/api/v1/tasks/batch', {
        tasks: Array.from({ length: n }, () => delayed(queue)),
      }),
    async fill(n) {
      lastProcId = await fillPaused(request, 'proc', n);
    },
    release: () => request('POST', '/api/v1/queues/proc/resume'),
    settle: (phase, n, deadline) =>
      untilQueueDone(request, phase, n, phase === 'proc' ? lastProcId : undefined, deadline),
    submitStamped: (label, t) =>
      request('POST', '/api/v1/tasks', { type: 'bench.stamp', queue: label, payload: { t } }),
    async latencies(label, n) {
      const tasks = await listQueue(request, label, n + 1000);
      return tasks.filter((t) => t.state === 'succeeded').map((t) => t.result.at - t.payload.t);
    },
  };
}
