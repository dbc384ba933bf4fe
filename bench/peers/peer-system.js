// A peer as a "system" of bench/workloads.js. Every job a peer's worker runs goes to one queue;
// the parent counts how many it has submitted there, and a phase is settled once the worker
// process says its handler has run that many jobs AND the peer's own store says none is left
// (waiting, active, or completed but not yet recorded: graphile-worker batches completions).
// The store is polled only after the handler count is reached, so polling adds no load while
// jobs run.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `worker`: from ./fork-worker.js. `peer`: { enqueue(queue), enqueueBatch(queue, n), fill(n),
 * submit(data), remaining() }, where fill and submit put jobs on the worked queue.
 */
export function peerSystem(worker, peer) {
  let submitted = 0;
  let started;
  const start = () => (started ??= worker.call('start'));
  return {
    enqueue: (queue) => peer.enqueue(queue),
    enqueueBatch: (queue, n) => peer.enqueueBatch(queue, n),
    async fill(n) {
      await peer.fill(n);
      submitted += n;
    },
    release: start,
    start,
    async settle(phase, n, deadline) {
      const left = () => Math.max(1, Math.floor(deadline - performance.now()));
      await worker.call('handled', { atLeast: submitted }, left()).catch((err) => {
        throw new Error(`${phase}: ${err.message}`);
      });
      for (;;) {
        const remaining = await peer.remaining();
        if (remaining === 0) return;
        if (performance.now() > deadline)
          throw new Error(`${phase}: ${remaining} job(s) still not done in time`);
        await sleep(5);
      }
    },
    async submitStamped(label, t) {
      submitted++;
      await peer.submit({ t, q: label });
    },
    latencies: (label) => worker.call('latencies', { label }),
  };
}
