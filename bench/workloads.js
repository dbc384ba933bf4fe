// The workloads every system is measured on, written once against a small "system" interface so
// that Chronoq (through its HTTP API) and each peer (through its own client library) run exactly
// the same thing. A system provides:
//
//   enqueue(queue)               submit one noop job, due in an hour (so nothing runs it)
//   enqueueBatch(queue, n)       submit n such jobs in one bulk call
//   fill(n)                      submit n noop jobs to run now, held back until release()
//   release()                    let the workers at them (the first call starts them)
//   start()                      optional: have the workers running (before a latency run)
//   settle(phase, n, deadline)   resolve once the n jobs of `phase` are done ('proc', or the label
//                                of a latency run); throw past `deadline` (performance.now())
//   submitStamped(label, t)      submit one job to run now whose handler notes when it started
//                                (epoch ms, see now()) against `t`, the time it was submitted
//   latencies(label, n)          the submit→start samples of that run, in ms
//
// Times that cross processes use now(): epoch milliseconds with sub-millisecond resolution, the
// same clock in every process on the machine.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Epoch milliseconds, fractional: comparable across processes on one machine. */
export const now = () => performance.timeOrigin + performance.now();

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** p50 / p95 / p99 / max of `samples` (ms), rounded to 0.1 ms. */
export function percentiles(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const r = (x) => (x === undefined ? null : Math.round(x * 10) / 10);
  return {
    p50: r(pct(s, 50)),
    p95: r(pct(s, 95)),
    p99: r(pct(s, 99)),
    max: r(s[s.length - 1]),
    n: s.length,
  };
}

const perSecond = (n, t0) => Math.round(n / ((performance.now() - t0) / 1000));

/** `n` jobs one after the other, each awaited: jobs/s. */
export async function enqueueOneByOne(system, n, queue = 'enq1') {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await system.enqueue(queue);
  return perSecond(n, t0);
}

/** `n` jobs with `inFlight` submissions outstanding at any time: jobs/s. */
export async function enqueueConcurrent(system, n, inFlight, queue = 'enq50') {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) {
        next++;
        await system.enqueue(queue);
      }
    }),
  );
  return perSecond(n, t0);
}

/** `n` jobs in bulk calls of `size`: jobs/s. */
export async function enqueueBatches(system, n, size, queue = 'enqbatch') {
  const t0 = performance.now();
  for (let i = 0; i < n; i += size) await system.enqueueBatch(queue, Math.min(size, n - i));
  return perSecond(n, t0);
}

/**
 * `n` noop jobs submitted up front and held back, then released to the workers: the time from
 * release until every one is done. `{ perSec, seconds }`.
 */
export async function processing(system, n, deadlineMs) {
  await system.fill(n);
  const t0 = performance.now();
  await system.release();
  await system.settle('proc', n, t0 + deadlineMs);
  const seconds = (performance.now() - t0) / 1000;
  return { perSec: Math.round(n / seconds), seconds: Number(seconds.toFixed(2)) };
}

/**
 * Open loop: `rate` jobs a second for `seconds`, each submitted on its own schedule whether or not
 * the earlier ones have been answered; then the submit→start latency of every job.
 */
export async function latency(system, rate, seconds, deadlineMs) {
  const label = `lat${rate}`;
  const n = Math.round(rate * seconds);
  await system.start?.();
  const t0 = performance.now();
  const sends = [];
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    sends.push(system.submitStamped(label, now()));
  }
  await Promise.all(sends);
  const sendSeconds = (performance.now() - t0) / 1000;
  await system.settle(label, n, performance.now() + deadlineMs);
  const samples = await system.latencies(label, n);
  if (samples.length !== n) throw new Error(`${label}: ${samples.length} samples for ${n} jobs`);
  return { ...percentiles(samples), offeredRate: rate, achievedRate: Math.round(n / sendSeconds) };
}
