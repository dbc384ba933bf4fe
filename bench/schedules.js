// Schedule lateness: how long after its fire time a scheduled task starts, in steady state.
// Ten cron schedules firing every second ('* * * * * *') and ten interval schedules ('every
// 500ms'), all making chronoq.noop tasks, run for `seconds`; then every task's start is compared
// with the fire time it was made for (`startedAt - runAt`; no jitter, so runAt is the fire time).

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

export async function scheduleLateness(request, { seconds = 10, perKind = 10 } = {}) {
  const names = [];
  for (let i = 0; i < perKind; i++) {
    for (const [kind, timing] of [
      ['cron', { cron: '* * * * * *' }],
      ['every', { every: '500ms' }],
    ]) {
      const name = `bench-${kind}-${i}`;
      await request('POST', '/api/v1/schedules', {
        name,
        ...timing,
        task: { type: 'chronoq.noop', queue: 'sched' },
      });
      names.push(name);
    }
  }
  await sleep(seconds * 1000);
  for (const name of names) await request('POST', `/api/v1/schedules/${name}/pause`);
  // Let the last runs finish, then read every run back.
  for (let i = 0; i < 500; i++) {
    const q = await request('GET', '/api/v1/queues/sched');
    const open = ['pending', 'ready', 'assigned', 'running'].reduce(
      (n, s) => n + (q.counts[s] ?? 0),
      0,
    );
    if (open === 0) break;
    await sleep(20);
  }
  const late = [];
  let cursor = null;
  do {
    const page = await request(
      'GET',
      `/api/v1/tasks?queue=sched&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    for (const t of page.tasks) {
      if (t.startedAt && t.runAt) late.push(Date.parse(t.startedAt) - Date.parse(t.runAt));
    }
    cursor = page.nextCursor;
  } while (cursor);
  for (const name of names) await request('DELETE', `/api/v1/schedules/${name}`);
  late.sort((a, b) => a - b);
  return {
    schedules: names.length,
    p50: pct(late, 50),
    p99: pct(late, 99),
    max: late[late.length - 1],
    n: late.length,
  };
}
