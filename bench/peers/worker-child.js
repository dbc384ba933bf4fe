// The child side of a peer's worker process: it tells the benchmark when it is ready, starts
// working when told to, counts the jobs its handler ran, and keeps the submit→start latency of
// every stamped job (`{ t, q }` in the job's data: submitted at `t`, epoch ms, for run `q`).
// The parent side is ./fork-worker.js; the protocol is one message per request, answered by id.

const now = () => performance.timeOrigin + performance.now();

const samples = new Map(); // run label → ms
let handled = 0;
let waiters = [];

/** Call first thing in the job handler, with the job's data. */
export function jobStarted(data) {
  const at = now();
  handled++;
  if (data && typeof data.t === 'number') {
    if (!samples.has(data.q)) samples.set(data.q, []);
    samples.get(data.q).push(at - data.t);
  }
  if (waiters.length) {
    const due = waiters.filter((w) => handled >= w.atLeast);
    waiters = waiters.filter((w) => handled < w.atLeast);
    for (const w of due) w.resolve(handled);
  }
}

const untilHandled = (atLeast) =>
  handled >= atLeast ? handled : new Promise((resolve) => waiters.push({ atLeast, resolve }));

/**
 * Serve the benchmark: `init()` (connect, nothing worked yet) runs now; `start()` when told to
 * begin working; `stop()` before the process exits.
 */
export async function serve({ init, start, stop }) {
  const ops = {
    start: () => start(),
    handled: ({ atLeast }) => untilHandled(atLeast),
    latencies: ({ label }) => {
      const s = samples.get(label) ?? [];
      samples.delete(label);
      return s;
    },
    stop: () => stop(),
  };
  process.on('message', async (m) => {
    try {
      const value = await ops[m.type](m.args ?? {});
      process.send({ id: m.id, ok: true, value });
    } catch (err) {
      process.send({ id: m.id, ok: false, error: err?.stack ?? String(err) });
    }
    if (m.type === 'stop') process.disconnect();
  });
  process.on('disconnect', () => process.exit(0));
  try {
    await init();
    process.send({ type: 'ready' });
  } catch (err) {
    console.error(err?.stack ?? String(err));
    process.exit(1);
  }
}
