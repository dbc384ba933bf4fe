import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { call, waitTask, watchChanges } from '../helpers/http.js';
import {
  ARTIFACTS,
  collectErrors,
  ensureChromium,
  ensureDashboardBuilt,
  launch,
  overflowing,
} from './browser.js';
import { seed, type Seeded } from './seed.js';

/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
 * server in this process. Every wait is on a selector or a state, never on the clock.
 */
/**
 * How long a wait for a selector or a state may take: generous, because this suite shares two
 * cores with the rest of `npm test` and a browser; a broken page still fails, only later.
 */
const WAIT_MS = 45_000;
/** Each test's deadline: several such waits. */
const TEST_MS = 120_000;

let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  ensureChromium();
  ensureDashboardBuilt();
  mkdirSync(`${ARTIFACTS}/pages`, { recursive: true });
  server = await startServer({ db: 'sqlite::memory:', port: 0, logLevel: 'silent' });
  browser = await launch();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.shutdown({ graceMs: 0 });
});

async function open(path: string, base = server.url): Promise<Page> {
  context = await browser.newContext({
    viewport: { width: 1366, height: 768 },
    timezoneId: 'UTC',
  });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  errors = collectErrors(page);
  await page.goto(base + path);
  await page.getByTestId('live-status').filter({ hasText: 'live' }).waitFor();
  return page;
}

afterEach(async () => {
  await context?.close();
  expect(errors, 'console errors').toEqual([]);
});

const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png` });
const submit = async (spec: unknown) => {
  const r = await call(server.url, 'POST', '/api/v1/tasks', spec);
  expect(r.status).toBe(201);
  return r.body as { id: string };
};
const stateOf = (state: string) =>
  page.locator(`[data-testid="task-state"][data-state="${state}"]`);

describe('the dashboard', { timeout: TEST_MS }, () => {
  it('shows a task submitted through the API live on the Tasks page, without a reload', async () => {
    await open('/tasks');
    await page.getByTestId('page-tasks').waitFor();
    await page.evaluate(() => ((window as any).__sameDocument = true));
    const slow = await submit({
      type: 'chronoq.sleep',
      payload: { ms: 60_000 },
      labels: { team: 'web' },
    });
    const quick = await submit({ type: 'chronoq.echo', payload: { hello: 'world' }, priority: 3 });
    const slowRow = page.locator(`tr[data-task-id="${slow.id}"]`);
    await slowRow.waitFor();
    await page.locator(`tr[data-task-id="${quick.id}"][data-state="succeeded"]`).waitFor();
    await page.locator(`tr[data-task-id="${slow.id}"][data-state="running"]`).waitFor();
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    await shot('tasks');

    // A label filter maps onto the API; the matching task stays, the other goes.
    await page.getByPlaceholder('key=value').fill('team=web');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/label=team%3Dweb/);
    await page.locator(`tr[data-task-id="${quick.id}"]`).waitFor({ state: 'detached' });
    await slowRow.waitFor();
    await shot('tasks-filtered');

    // Bulk cancel from the checkboxes; the row follows live.
    await slowRow.getByRole('checkbox').check();
    await page.getByTestId('bulk-cancel').click();
    await page.getByTestId('bulk-result').filter({ hasText: 'Cancelled 1' }).waitFor();
    await page.locator(`tr[data-task-id="${slow.id}"][data-state="cancelled"]`).waitFor();
  });

  it('pauses, resumes and cancels a running task from its detail page', async () => {
    const { id } = await submit({ type: 'chronoq.sleep', payload: { ms: 60_000 } });
    await open(`/tasks/${id}`);
    await page.getByTestId('task-id').filter({ hasText: id }).waitFor();
    await stateOf('running').waitFor();
    await expect.poll(() => page.getByTestId('act-resume').isDisabled()).toBe(true);

    await page.getByTestId('act-pause').click();
    await stateOf('paused').waitFor();
    await page.getByTestId('act-resume').and(page.locator(':enabled')).waitFor();
    expect(await page.getByTestId('act-pause').isDisabled()).toBe(true);
    await shot('task-detail-paused');

    await page.getByTestId('act-resume').click();
    await stateOf('running').waitFor();

    await page.getByTestId('act-cancel').click();
    await stateOf('cancelled').waitFor();
    await page.getByTestId('act-retry').and(page.locator(':enabled')).waitFor();
    expect(await page.getByTestId('act-cancel').isDisabled()).toBe(true);
    await page.getByTestId('timeline').getByText('cancelled', { exact: false }).first().waitFor();
    await shot('task-detail');
    const r = await call(server.url, 'GET', `/api/v1/tasks/${id}`);
    expect(r.body.state).toBe('cancelled');
  });

  it('retries a dead task from Dead letters', async () => {
    const { id } = await submit({
      type: 'chronoq.fail',
      payload: { message: 'boom' },
      maxAttempts: 1,
    });
    expect((await waitTask(server.url, id)).state).toBe('failed');
    await open('/dead-letters');
    const row = page.locator(`tr[data-task-id="${id}"]`);
    await row.getByText('boom').waitFor();
    await shot('dead-letters');
    await row.getByTestId('retry-one').click();
    await row.waitFor({ state: 'detached' });
    // The retried task runs again (and fails again: it is chronoq.fail) on a fresh attempt.
    await expect
      .poll(async () => (await call(server.url, 'GET', `/api/v1/tasks/${id}`)).body.attempt, {
        timeout: WAIT_MS,
      })
      .toBeGreaterThanOrEqual(2);
    await page.locator(`tr[data-task-id="${id}"]`).waitFor();
  });

  it('draws the overview, workers and queues pages and acts on workers and queues', async () => {
    await open('/');
    await page.getByTestId('page-overview').waitFor();
    // The chart starts from the recent tasks (earlier tests' too): count on from there.
    const totals = page.getByTestId('throughput-totals');
    await totals.and(page.locator('[data-backfilled="true"]')).waitFor();
    const before = JSON.parse((await totals.getAttribute('data-totals'))!) as {
      started: number;
      succeeded: number;
    };
    const batch = await call(server.url, 'POST', '/api/v1/tasks/batch', {
      tasks: [
        ...Array.from({ length: 12 }, (_, i) => ({
          type: 'chronoq.echo',
          queue: i % 2 ? 'emails' : 'reports',
          payload: { i },
        })),
        ...Array.from({ length: 3 }, () => ({
          type: 'chronoq.sleep',
          queue: 'reports',
          payload: { ms: 3000 },
        })),
      ],
    });
    expect(batch.status).toBe(201);
    // Throughput comes from the event stream; depth from polling the queues.
    await page
      .getByText(`${before.started + 15} started, ${before.succeeded + 12} succeeded`)
      .waitFor();
    await page.getByTestId('stat-running').getByText('3').waitFor();
    await page.getByTestId('chart-throughput').waitFor();
    await page.getByTestId('chart-depth').waitFor();
    await page.getByTestId('cluster').getByText(server.replicaId).waitFor();
    await shot('overview');

    await page.getByTestId('nav-workers').click();
    const worker = page.locator('tr[data-worker-id]').first();
    await worker.getByTestId('worker-status').filter({ hasText: 'live' }).waitFor();
    await worker.getByTestId('cordon').click();
    await worker.getByTestId('worker-status').filter({ hasText: 'cordoned' }).waitFor();
    await worker.getByTestId('uncordon').click();
    await worker.getByTestId('worker-status').filter({ hasText: 'live' }).waitFor();
    await shot('workers');

    await page.getByTestId('nav-queues').click();
    const q = page.locator('tr[data-queue="emails"]');
    await q.getByTestId('queue-pause').click();
    await q.getByTestId('queue-paused').waitFor();
    await q.getByTestId('queue-resume').click();
    await q.getByTestId('queue-paused').waitFor({ state: 'detached' });
    await q.getByTestId('queue-edit').click();
    const form = page.getByTestId('edit-queue');
    await form.locator('input[name="concurrency"]').fill('5');
    await form.locator('input[name="rate-count"]').fill('10');
    await form.getByRole('button', { name: 'Save' }).click();
    await q.getByTestId('queue-concurrency').filter({ hasText: '5' }).waitFor();
    await q.getByTestId('queue-rate').filter({ hasText: '10/s' }).waitFor();
    const emails = (await call(server.url, 'GET', '/api/v1/queues/emails')).body;
    expect(emails).toMatchObject({ concurrency: 5, rateLimit: { count: 10, intervalMs: 1000 } });
    await shot('queues');

    // Workflows and schedules appear only once the API has them.
    const doc = (await call(server.url, 'GET', '/api/v1/openapi.json')).body;
    const nav = page.getByTestId('nav-workflows');
    expect(await nav.count()).toBe('/api/v1/workflows' in doc.paths ? 1 : 0);
  });
});

describe('the dashboard: schedules', { timeout: TEST_MS }, () => {
  it("shows a schedule's next fire times, and 'trigger now' makes a run in its recent runs", async () => {
    const r = await call(server.url, 'POST', '/api/v1/schedules', {
      name: 'hourly-digest',
      cron: '15 * * * *',
      timezone: 'Europe/Berlin',
      task: { type: 'chronoq.echo', payload: { digest: true } },
    });
    expect(r.status).toBe(201);
    const nextFires = r.body.nextFires as string[];
    expect(nextFires).toHaveLength(5);

    await open('/schedules');
    const row = page.locator('tr[data-schedule="hourly-digest"]');
    await row.getByTestId('schedule-state').filter({ hasText: 'active' }).waitFor();
    expect(await row.getByTestId('schedule-next').getAttribute('title')).not.toBe('—');
    await row.getByRole('link', { name: 'hourly-digest' }).click();

    await page.getByTestId('page-schedule').waitFor();
    await page.getByTestId('schedule-definition').getByText('cron 15 * * * *').waitFor();
    const fires = page.getByTestId('next-fire');
    await fires.nth(4).waitFor();
    expect(await fires.evaluateAll((els) => els.map((e) => e.getAttribute('data-at')))).toEqual(
      nextFires,
    );
    // Each is shown in the schedule's own zone too: a quarter past the hour in Berlin.
    expect(await fires.first().innerText()).toMatch(/:15:00 Europe\/Berlin/);
    await page.getByText('No run yet.').waitFor();

    await page.getByTestId('schedule-trigger').click();
    const link = page.getByTestId('triggered').locator('a');
    await link.waitFor();
    const taskId = (await link.innerText()).trim();
    const run = page.locator(`[data-testid="recent-runs"] tr[data-task-id="${taskId}"]`);
    await run.getByText('manual').waitFor();
    await page
      .locator(`[data-testid="recent-runs"] tr[data-task-id="${taskId}"][data-state="succeeded"]`)
      .waitFor();
    const made = (await call(server.url, 'GET', `/api/v1/tasks/${taskId}`)).body;
    expect(made).toMatchObject({ scheduleId: r.body.id, fireAt: null, type: 'chronoq.echo' });
    await shot('schedule');

    // Pause: no fire times; resume: five again.
    await page.getByTestId('schedule-pause').click();
    await page.getByTestId('next-fires-empty').waitFor();
    await page.getByTestId('schedule-state').filter({ hasText: 'paused' }).waitFor();
    expect((await call(server.url, 'GET', '/api/v1/schedules/hourly-digest')).body.paused).toBe(
      true,
    );
    await page.getByTestId('schedule-resume').click();
    await fires.nth(4).waitFor();

    // The run links to its task, whose page links back to the schedule.
    await run.getByRole('link').click();
    await page.getByTestId('task-id').filter({ hasText: taskId }).waitFor();
    await page.getByTestId('task-schedule').getByRole('link').click();
    await page.getByTestId('page-schedule').waitFor();
  });
});

describe('the dashboard: workflows', { timeout: TEST_MS }, () => {
  it('draws a workflow as a graph of its steps, and follows their states live', async () => {
    const r = await call(server.url, 'POST', '/api/v1/workflows', {
      name: 'graph-demo',
      steps: [
        { id: 'fetch', task: { type: 'chronoq.echo', payload: { n: 1 } } },
        { id: 'left', dependsOn: ['fetch'], task: { type: 'chronoq.echo' } },
        {
          id: 'slow',
          dependsOn: ['fetch'],
          task: { type: 'chronoq.sleep', payload: { ms: 60_000 } },
        },
        { id: 'join', dependsOn: ['left', 'slow'], task: { type: 'chronoq.echo' } },
      ],
    });
    expect(r.status).toBe(201);
    const id = r.body.id as string;
    await open('/workflows');
    await page.getByTestId('page-workflows').waitFor();
    await page
      .getByRole('link', { name: id.slice(-8) })
      .or(page.locator(`a[href="/workflows/${id}"]`))
      .first()
      .click();
    await page.getByTestId('page-workflow').waitFor();
    const node = (step: string, state: string) =>
      page.locator(`[data-testid="dag-node"][data-step="${step}"][data-state="${state}"]`);
    await node('fetch', 'succeeded').waitFor();
    await node('left', 'succeeded').waitFor();
    await node('slow', 'running').waitFor();
    await node('join', 'blocked').waitFor();
    expect(await page.getByTestId('dag-node').count()).toBe(4);
    expect(await page.getByTestId('dag-edge').count()).toBe(4);
    // Laid out in layers: every step to the right of its parents.
    const x = async (step: string) =>
      (await page.locator(`[data-testid="dag-node"][data-step="${step}"]`).boundingBox())!.x;
    expect(await x('left')).toBeGreaterThan(await x('fetch'));
    expect(await x('join')).toBeGreaterThan(await x('slow'));
    await shot('workflow');
    await page.getByTestId('workflow-cancel').click();
    await node('slow', 'cancelled').waitFor();
    await node('join', 'skipped').waitFor();
  });
});

describe('the dashboard with an admin token', { timeout: TEST_MS }, () => {
  let locked: RunningServer;
  beforeAll(async () => {
    locked = await startServer({
      db: 'sqlite::memory:',
      port: 0,
      logLevel: 'silent',
      adminToken: 't',
      worker: false,
    });
  });
  afterAll(() => locked?.shutdown({ graceMs: 0 }));

  it('asks for the token, keeps it, and logs out', async () => {
    context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const all = collectErrors(page);
    await page.goto(`${locked.url}/tasks`);
    await page.getByTestId('login').waitFor();
    await shot('login');
    await page.getByLabel('API token').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The server refused this token.').waitFor();
    await page.getByLabel('API token').fill('t');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('page-tasks').waitFor();
    await page.getByTestId('live-status').filter({ hasText: 'live' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('chronoq.token'))).toBe('t');

    // A reload keeps the session.
    await page.reload();
    await page.getByTestId('page-tasks').waitFor();

    // A server with nothing yet (and no worker): every page says so, and what to do.
    const found: string[] = [];
    for (const [name, path, text] of [
      ['tasks', '/tasks', 'No tasks yet'],
      ['dead-letters', '/dead-letters', 'No dead letters'],
      ['workers', '/workers', 'No workers'],
      ['queues', '/queues', 'No queues yet'],
      ['workflows', '/workflows', 'No workflows yet'],
      ['schedules', '/schedules', 'No schedules yet'],
      ['overview', '/', 'No live workers'],
      ['task', '/tasks/nope', 'Task not found'],
      ['schedule', '/schedules/nope', 'Schedule not found'],
    ] as const) {
      await page.goto(locked.url + path);
      await page.getByText(text, { exact: true }).waitFor();
      for (const o of await overflowing(page)) found.push(`${name}: ${o}`);
      await shot(`empty-${name}`);
    }
    expect(found).toEqual([]);
    await page.getByTestId('logout').click();
    await page.getByTestId('login').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('chronoq.token'))).toBeNull();
    // The only errors are the browser's notes on the refused (401) calls.
    // (and the 404s of the two pages of things that do not exist).
    errors = all.filter(
      (e) =>
        !/status of 401/.test(e) && !/status of 404.*\/api\/v1\/(tasks|schedules)\/nope/.test(e),
    );
  });
});

describe(
  'the dashboard: every page with realistic data, at laptop sizes',
  { timeout: TEST_MS },
  () => {
    let busy: RunningServer;
    let data: Seeded;
    beforeAll(async () => {
      busy = await startServer({
        db: 'sqlite::memory:',
        port: 0,
        logLevel: 'silent',
        concurrency: 8,
        prefetch: 2,
      });
      data = await seed(busy.url);
    }, 60_000);
    afterAll(async () => {
      await data?.stop();
      await busy?.shutdown({ graceMs: 0 });
    });

    it('loads every page with no console error and nothing wider than the window', async () => {
      const { ids } = data;
      // Each page, and what shows that its data is there.
      const pages: [name: string, path: string, ready: string][] = [
        ['overview', '/', '[data-testid="chart-depth"]'],
        ['tasks', '/tasks', `tr[data-task-id="${ids.report}"]`],
        [
          'tasks-filtered',
          '/tasks?state=running&queue=reports',
          `tr[data-task-id="${ids.report}"]`,
        ],
        ['task-running', `/tasks/${ids.report}`, '[data-testid="logs"] .log'],
        ['task-paused', `/tasks/${ids.paused}`, '[data-testid="task-state"][data-state="paused"]'],
        ['task-failed', `/tasks/${ids.dead1}`, '[data-testid="task-error"]'],
        ['dead-letters', '/dead-letters', `tr[data-task-id="${ids.dead0}"]`],
        ['workers', '/workers', 'tr[data-worker-id="us-batch-1"] >> text=2 of 2 prefetched'],
        ['queues', '/queues', 'tr[data-queue="billing"] [data-testid="queue-paused"]'],
        ['workflows', '/workflows', `a[href="/workflows/${ids.wfSaga}"]`],
        [
          'workflow-running',
          `/workflows/${ids.wfRunning}`,
          '[data-step="transform"][data-state="running"]',
        ],
        [
          'workflow-compensated',
          `/workflows/${ids.wfSaga}`,
          '[data-step="ship"][data-state="skipped"]',
        ],
        ['schedules', '/schedules', 'tr[data-schedule="cleanup"]'],
        ['schedule', '/schedules/heartbeat', '[data-testid="recent-runs"] tr[data-task-id]'],
        ['schedule-paused', '/schedules/cleanup', '[data-testid="next-fires-empty"]'],
        ['not-found', '/no/such/page', 'text=Nothing here'],
      ];
      const found: string[] = [];
      for (const [width, height] of [
        [1366, 768],
        [1440, 900],
      ] as const) {
        context = await browser.newContext({ viewport: { width, height }, timezoneId: 'UTC' });
        page = await context.newPage();
        page.setDefaultTimeout(WAIT_MS);
        errors = collectErrors(page);
        for (const [name, path, ready] of pages) {
          await page.goto(busy.url + path);
          await page.getByTestId('live-status').filter({ hasText: 'live' }).waitFor();
          await page.locator(ready).first().waitFor();
          for (const o of await overflowing(page))
            found.push(`${name} at ${width}×${height}: ${o}`);
          await page.screenshot({ path: `${ARTIFACTS}/pages/${name}-${width}x${height}.png` });
        }
        await context.close();
        expect(errors, `console errors at ${width}×${height}`).toEqual([]);
      }
      expect(found).toEqual([]);
    });

    it('drains a worker, and retries every dead letter at once', async () => {
      await open('/workers', busy.url);
      const spare = page.locator('tr[data-worker-id="eu-spare-3"]');
      await spare.getByTestId('drain').click();
      await spare.getByTestId('worker-status').filter({ hasText: 'draining' }).waitFor();
      expect(await spare.getByTestId('drain').isDisabled()).toBe(true);
      const w = (await call(busy.url, 'GET', '/api/v1/workers')).body.workers.find(
        (x: { id: string }) => x.id === 'eu-spare-3',
      );
      expect(w).toMatchObject({ draining: true, cordoned: true });
      await context.close();

      const dead = (await call(busy.url, 'GET', '/api/v1/tasks?state=failed')).body.tasks as {
        id: string;
        attempt: number;
      }[];
      expect(dead.length).toBeGreaterThanOrEqual(4);
      await open('/dead-letters', busy.url);
      await page.locator(`tr[data-task-id="${data.ids.dead0}"]`).waitFor();
      const watch = await watchChanges(busy.url);
      page.once('dialog', (d) => void d.accept());
      await page.getByTestId('retry-all').click();
      await page
        .getByTestId('retry-all-result')
        .filter({ hasText: `Retried ${dead.length} of ${dead.length}.` })
        .waitFor();
      // Each runs again on a fresh attempt.
      for (const t of dead) await watch.until((c) => c.id === t.id && c.attempt > t.attempt);
      watch.close();
    });
  },
);
