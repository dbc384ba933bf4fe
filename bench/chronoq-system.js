// Chronoq as a "system" of bench/workloads.js, driven only through its HTTP API, as a user would
// drive it: tasks are submitted with the TypeScript SDK (`chronoq/client`, built in dist/) with
// `batchSubmits: true`, so that concurrent submits share a request; the set-up and the checks go
// through a plain HTTP client (bench/http.js).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChronoqClient } from '../dist/client/index.js';
import { fillPaused, listQueue, untilQueueDone } from './chronoq-api.js';
import { makeClient } from './http.js';

const HOUR = 3_600_000;

/** The module of the `bench.stamp` handler, for `--handlers`. */
export const BENCH_HANDLERS = join(dirname(fileURLToPath(import.meta.url)), 'chronoq-handlers.js');

/** The SDK settings the benchmarks submit with (said in the reports). */
export const SDK_SETTINGS = { batchSubmits: true };

/** The workloads' interface over the Chronoq server at `base`. */
export function chronoqSystem(base) {
  const request = makeClient(base);
  const sdk = new ChronoqClient({ url: base, ...SDK_SETTINGS });
  let lastProcId;
  const delayed = (queue) => ({ type: 'chronoq.noop', queue, delayMs: HOUR });
  return {
    enqueue: (queue) => sdk.submit(delayed(queue)),
    enqueueBatch: (queue, n) => sdk.submitBatch(Array.from({ length: n }, () => delayed(queue))),
    async fill(n) {
      lastProcId = await fillPaused(request, 'proc', n);
    },
    release: () => request('POST', '/api/v1/queues/proc/resume'),
    settle: (phase, n, deadline) =>
      untilQueueDone(request, phase, n, phase === 'proc' ? lastProcId : undefined, deadline),
    submitStamped: (label, t) => sdk.submit({ type: 'bench.stamp', queue: label, payload: { t } }),
    async latencies(label, n) {
      const tasks = await listQueue(request, label, n + 1000);
      return tasks.filter((t) => t.state === 'succeeded').map((t) => t.result.at - t.payload.t);
    },
  };
}
