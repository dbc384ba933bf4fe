// Handlers that `npm run bench:peers` loads into Chronoq (`--handlers bench/chronoq-handlers.js`).
// `bench.stamp` { t }: its result says when the handler started (epoch ms, fractional: the clock of
// bench/workloads.js now()), so that submit→start is measured the same way for every system.
export default {
  'bench.stamp': () => ({ at: performance.timeOrigin + performance.now() }),
};
