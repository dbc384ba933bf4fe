// The few Chronoq HTTP API calls the benchmarks share (bench/embedded.js, bench/cluster.js and the
// Chronoq systems of `npm run bench:peers`): fill a paused queue, wait until a queue is done, page
// through a queue's tasks, wait until remote workers are live. `request` is a client from
// bench/http.js.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const is408 = (err) => / → 408 /.test(err?.message ?? '');

/** Pause `queue`, then submit `n` tasks of `type` in batches of 1000; resolves with the last id. */
export async function fillPaused(request, queue, n, type = 'chronoq.noop') {
  await request('POST', `/api/v1/queues/${queue}/pause`);
  let lastId;
  for (let i = 0; i < n; i += 1000) {
    const tasks = Array.from({ length: Math.min(1000, n - i) }, () => ({ type, queue }));
    const res = await request('POST', '/api/v1/tasks/batch', { tasks });
    lastId = res.tasks[res.tasks.length - 1].id;
  }
  return lastId;
}

/**
 * Wait until `lastId` (if given) is terminal (long-poll `GET /tasks/:id/wait`, again on 408), then
 * until the queue's counts say that `n` tasks are done. Resolves with the counts; throws past
 * `deadline` (a performance.now() value).
 */
export async function untilQueueDone(request, queue, n, lastId, deadline) {
  for (;;) {
    if (!lastId) break;
    const left = Math.floor(deadline - performance.now());
    if (left <= 0) break;
    try {
      await request('GET', `/api/v1/tasks/${lastId}/wait?timeoutMs=${Math.min(left, 60_000)}`);
      break;
    } catch (err) {
      if (!is408(err)) throw err;
    }
  }
  for (;;) {
    const q = await request('GET', `/api/v1/queues/${queue}`);
    const done = (q.counts.succeeded ?? 0) + (q.counts.failed ?? 0) + (q.counts.cancelled ?? 0);
    if (done >= n) return q.counts;
    if (performance.now() > deadline)
      throw new Error(
        `queue ${queue}: only ${done}/${n} done in time: ${JSON.stringify(q.counts)}`,
      );
    await sleep(20);
  }
}

/** Every task of `queue` (pages of 1000), at most `max` of them. */
export async function listQueue(request, queue, max) {
  const tasks = [];
  let cursor = null;
  do {
    const page = await request(
      'GET',
      `/api/v1/tasks?queue=${queue}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    tasks.push(...page.tasks);
    cursor = page.nextCursor;
  } while (cursor && tasks.length < max);
  return tasks;
}

/** Wait until at least `n` workers are live; resolves with them. */
export async function untilWorkersLive(request, n, timeoutMs = 15_000) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { workers } = await request('GET', '/api/v1/workers');
    const live = workers.filter((w) => w.status === 'live');
    if (live.length >= n) return live;
    if (performance.now() > deadline)
      throw new Error(`only ${live.length}/${n} workers live: ${JSON.stringify(workers)}`);
    await sleep(50);
  }
}
