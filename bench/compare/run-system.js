// One system through the chosen workloads, in order: the three enqueues, processing, then each
// latency rate; then the peak RSS of its worker process(es), then stop. A failed enqueue is noted
// and the run goes on; a processing or latency phase that fails or times out ends the run's
// job-running phases (jobs left behind would spoil the next ones).
import {
  enqueueBatches,
  enqueueConcurrent,
  enqueueOneByOne,
  latency,
  processing,
} from '../workloads.js';
import { peakRssMb } from './rss.js';

const message = (err) => String(err?.message ?? err).split('\n')[0];

export async function runSystem(def, ctx, o) {
  const out = { system: def.name, label: def.label };
  const t0 = performance.now();
  let started;
  try {
    started = await def.start(ctx);
  } catch (err) {
    out.error = `could not start: ${message(err)}`;
    console.error(`bench: ${def.name}: ${err?.stack ?? err}`);
    return out;
  }
  const { system } = started;
  const errors = {};
  const step = async (name, fn) => {
    if (!o.workloads.includes(name.replace(/@.*/, ''))) return undefined;
    console.error(`bench: ${def.name}: ${name}`);
    try {
      return await fn();
    } catch (err) {
      errors[name] = message(err);
      console.error(`bench: ${def.name}: ${name} failed: ${err?.stack ?? err}`);
      return undefined;
    }
  };
  try {
    out.enqueueOneByOne = await step('enqueue-one', () =>
      enqueueOneByOne(system, Math.min(o.enqueue, 3000)),
    );
    out.enqueueConcurrent50 = await step('enqueue-50', () =>
      enqueueConcurrent(system, o.enqueue * 2, 50),
    );
    out.enqueueBulk1000 = await step('enqueue-bulk', () =>
      enqueueBatches(system, o.enqueue * 10, 1000),
    );
    out.process = await step('process', () => processing(system, o.tasks, o.deadlineMs));
    out.latencyMs = {};
    for (const rate of o.rates) {
      if (errors.process || Object.keys(errors).some((k) => k.startsWith('latency'))) break;
      const r = await step(`latency@${rate}`, () => latency(system, rate, o.seconds, o.deadlineMs));
      if (r) out.latencyMs[rate] = r;
    }
  } finally {
    out.peakRssMb = { workers: started.workerPids.map(peakRssMb) };
    if (started.serverPid) out.peakRssMb.server = peakRssMb(started.serverPid);
    await started.stop().catch((err) => {
      errors.stop = message(err);
    });
  }
  if (Object.keys(errors).length) out.errors = errors;
  out.seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
  return out;
}
