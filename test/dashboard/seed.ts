import { Worker, type HandlerMap } from '../../src/client/index.js';
import { call, waitTask, watchChanges } from '../helpers/http.js';

/**
 * Realistic data for looking at the dashboard: tasks in every state, workflows (running,
 * succeeded, compensated), schedules (cron in a zone, interval, one-shot, paused), queues with
 * limits (one paused) and several workers (labels, taints, prefetch, one cordoned). Every step
 * waits for the state it needs (on the server's change stream or its wait endpoints), never
 * on the clock.
 */
export interface Seeded {
  workers: Worker[];
  ids: Record<string, string>;
  stop: () => Promise<void>;
}

type Json = Record<string, unknown>;

async function must(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ id: string } & Json> {
  const r = await call(url, method, path, body);
  if (r.status >= 300) {
    throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  }
  return r.body as { id: string } & Json;
}

const handlers: HandlerMap = {
  /** A long report: logs a line and moves its progress every 200 ms, pausable, cancellable. */
  'report.build': async (ctx) => {
    const steps = ((ctx.payload as { steps?: number } | null)?.steps ?? 600) as number;
    for (let i = 0; i < steps; i++) {
      await ctx.checkpoint();
      if (ctx.signal.aborted) return null;
      ctx.log(`rendered section ${i + 1} of ${steps}`);
      ctx.progress((i + 1) / steps);
      await new Promise((r) => setTimeout(r, 200));
    }
    return { pages: steps };
  },
  'email.send': (ctx) => {
    ctx.log(`sending to ${JSON.stringify(ctx.payload)}`);
    return { sent: true };
  },
};

export async function seed(url: string): Promise<Seeded> {
  const ids: Record<string, string> = {};
  // Every wait below is on a change the server streams, seen from here on.
  const watch = await watchChanges(url);
  const reaches = (id: string, ...states: string[]) =>
    watch.until((c) => c.id === id && states.includes(c.state));
  const workers: Worker[] = [
    new Worker({
      url,
      id: 'gpu-eu-1',
      name: 'gpu-eu-1',
      concurrency: 4,
      labels: { zone: 'eu', gpu: 'a100' },
      taints: [{ key: 'dedicated', value: 'ml', effect: 'NoSchedule' }],
      handlers,
    }),
    new Worker({
      url,
      id: 'eu-web-2',
      name: 'eu-web-2',
      concurrency: 10,
      prefetch: 5,
      labels: { zone: 'eu', tier: 'web' },
      queues: ['emails', 'reports', 'default'],
      handlers,
    }),
    new Worker({
      url,
      id: 'us-batch-1',
      name: 'us-batch-1',
      concurrency: 2,
      prefetch: 2,
      labels: { zone: 'us' },
      handlers,
    }),
    new Worker({ url, id: 'eu-spare-3', name: 'eu-spare-3', concurrency: 6, handlers }),
  ];
  await Promise.all(workers.map((w) => w.start()));

  // Queues and their limits.
  await must(url, 'PATCH', '/api/v1/queues/emails', {
    concurrency: 20,
    rateLimit: { count: 100, intervalMs: 60_000 },
  });
  await must(url, 'PATCH', '/api/v1/queues/reports', { concurrency: 4, keyConcurrency: 1 });
  await must(url, 'PATCH', '/api/v1/queues/billing', {
    rateLimit: { count: 10, intervalMs: 1000 },
    strategy: 'round-robin',
  });
  await must(url, 'POST', '/api/v1/queues/billing/pause');

  const submit = async (name: string, spec: Json) =>
    (ids[name] = (await must(url, 'POST', '/api/v1/tasks', spec)).id);

  // succeeded
  for (let i = 0; i < 6; i++) {
    await submit(`echo${i}`, {
      type: i % 2 ? 'email.send' : 'chronoq.echo',
      queue: i % 2 ? 'emails' : 'default',
      payload: { to: `user${i}@example.com` },
      labels: { customer: `acme-${i % 3}` },
    });
  }
  // failed: the dead-letter set
  for (const [i, message] of [
    'SMTP 550: mailbox unavailable',
    'card declined (insufficient funds)',
    'timeout talking to the warehouse API',
  ].entries()) {
    await submit(`dead${i}`, {
      type: 'chronoq.fail',
      queue: i === 0 ? 'emails' : 'default',
      payload: { message },
      maxAttempts: 1,
    });
  }
  // pending: due later, and one waiting for its retry
  await submit('later', { type: 'chronoq.noop', delayMs: 3_600_000, labels: { kind: 'later' } });
  await submit('retrying', {
    type: 'chronoq.fail',
    payload: { message: 'upstream 503' },
    maxAttempts: 5,
    backoff: { kind: 'fixed', initialMs: 600_000, maxMs: 600_000, jitter: 0 },
  });
  // ready: a paused queue, and a selector no worker matches
  await submit('ready-billing', { type: 'invoice.send', queue: 'billing', priority: 5 });
  await submit('ready-nomatch', { type: 'chronoq.noop', selector: { zone: 'ap' } });
  // running with logs, and one paused
  await submit('report', {
    type: 'report.build',
    queue: 'reports',
    payload: { steps: 3000 },
    labels: { team: 'finance' },
  });
  await submit('paused', { type: 'chronoq.sleep', payload: { ms: 3_600_000 } });
  // assigned: us-batch-1 (2 slots, prefetch 2) takes four, runs two
  for (let i = 0; i < 4; i++) {
    await submit(`us${i}`, {
      type: 'chronoq.sleep',
      payload: { ms: 3_600_000 },
      selector: { zone: 'us' },
      labels: { batch: 'nightly' },
    });
  }
  // cancelled
  await submit('cancelled', { type: 'chronoq.sleep', payload: { ms: 3_600_000 } });

  await reaches(ids.paused!, 'running');
  await must(url, 'POST', `/api/v1/tasks/${ids.paused}/pause`);
  await reaches(ids.cancelled!, 'running');
  await must(url, 'POST', `/api/v1/tasks/${ids.cancelled}/cancel`);
  for (const k of ['dead0', 'dead1', 'dead2', 'echo0', 'echo5']) await waitTask(url, ids[k]!);
  await watch.until((c) => c.id === ids.retrying && c.state === 'pending' && c.attempt >= 1);
  await reaches(ids.report!, 'running');
  await reaches(ids.paused!, 'paused');

  // Workflows: one running, one done, one compensated, each with a skipped step or two.
  ids.wfRunning = (
    await must(url, 'POST', '/api/v1/workflows', {
      name: 'nightly-etl',
      steps: [
        { id: 'extract', task: { type: 'chronoq.echo', payload: { rows: 1200 } } },
        { id: 'validate', dependsOn: ['extract'], task: { type: 'chronoq.echo' } },
        {
          id: 'transform',
          dependsOn: ['extract'],
          task: { type: 'report.build', queue: 'reports', payload: { steps: 3000 } },
        },
        { id: 'load', dependsOn: ['validate', 'transform'], task: { type: 'chronoq.echo' } },
        {
          id: 'notify-failure',
          dependsOn: ['load'],
          when: 'failure',
          task: { type: 'email.send', queue: 'emails' },
        },
        { id: 'publish', dependsOn: ['load'], task: { type: 'chronoq.noop' } },
      ],
    })
  ).id;
  ids.wfDone = (
    await must(url, 'POST', '/api/v1/workflows', {
      name: 'welcome-email',
      steps: [
        { id: 'render', task: { type: 'chronoq.echo' } },
        { id: 'send', dependsOn: ['render'], task: { type: 'email.send', queue: 'emails' } },
        {
          id: 'apologise',
          dependsOn: ['send'],
          when: 'failure',
          task: { type: 'email.send', queue: 'emails' },
        },
      ],
    })
  ).id;
  ids.wfSaga = (
    await must(url, 'POST', '/api/v1/workflows', {
      name: 'order-4711',
      onFailure: 'compensate',
      steps: [
        {
          id: 'reserve',
          task: { type: 'chronoq.echo', payload: { sku: 'A1' } },
          compensate: { type: 'chronoq.echo', payload: { release: 'A1' } },
        },
        {
          id: 'charge',
          dependsOn: ['reserve'],
          task: { type: 'chronoq.fail', payload: { message: 'card declined' }, maxAttempts: 1 },
          compensate: { type: 'chronoq.noop' },
        },
        { id: 'ship', dependsOn: ['charge'], task: { type: 'chronoq.noop' } },
      ],
    })
  ).id;
  for (const k of ['wfDone', 'wfSaga']) {
    await call(url, 'GET', `/api/v1/workflows/${ids[k]}/wait?timeoutMs=15000`);
  }

  // Schedules
  const schedule = (spec: Json) => must(url, 'POST', '/api/v1/schedules', spec);
  await schedule({
    name: 'nightly-report',
    cron: '30 2 * * *',
    timezone: 'Europe/Berlin',
    overlap: 'skip',
    task: { type: 'report.build', queue: 'reports', payload: { steps: 5 } },
  });
  await schedule({ name: 'heartbeat', every: '30s', task: { type: 'chronoq.noop' } });
  await schedule({
    name: 'digest-emails',
    cron: '0 8 * * 1-5',
    timezone: 'America/New_York',
    misfire: { catchUp: 3 },
    task: { type: 'email.send', queue: 'emails', payload: { list: 'weekly' } },
  });
  await schedule({
    name: 'launch',
    at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    task: { type: 'chronoq.echo', payload: { go: true } },
  });
  ids.cleanup = (
    await schedule({ name: 'cleanup', every: '1h', task: { type: 'chronoq.noop' } })
  ).id;
  await must(url, 'POST', `/api/v1/schedules/cleanup/pause`);
  // Two manual runs of the heartbeat, so it has recent runs.
  for (let i = 0; i < 2; i++) {
    const t = await must(url, 'POST', '/api/v1/schedules/heartbeat/trigger');
    await waitTask(url, t.id);
  }

  // One worker cordoned (after the placements above).
  await must(url, 'POST', '/api/v1/workers/eu-spare-3/cordon');
  await reaches(ids.us3!, 'assigned', 'running');
  watch.close();

  return {
    workers,
    ids,
    stop: async () => {
      await Promise.all(workers.map((w) => w.stop({ graceMs: 0 })));
    },
  };
}
