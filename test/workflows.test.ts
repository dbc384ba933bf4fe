import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChronoqClient,
  ChronoqValidationError,
  PermanentError,
  Worker,
  workflow,
  type TaskContext,
} from '../src/client/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { call } from './helpers/http.js';
import { cli } from './helpers/processes.js';
import { tempDir } from './helpers/temp.js';

// One server on a SQLite file, no local pool, and three remote workers over WebSocket: every
// step below crosses real sockets and the store's transactions.
const tmp = tempDir('chronoq-workflows-');
let server: RunningServer;
let client: ChronoqClient;
const workers: Worker[] = [];

/** What ran, in order: `start:<step>`, `end:<step>`, `undo:<step>`. */
const journal: string[] = [];
/** Running steps that wait for cancel, by step id. */
const holding = new Map<string, () => void>();

const handlers = (workerId: string) => ({
  'wf.step': async (ctx: TaskContext<{ fail?: boolean; value?: unknown }>) => {
    journal.push(`start:${ctx.stepId}`);
    const parents = ctx.parents;
    journal.push(`end:${ctx.stepId}`);
    if (ctx.payload?.fail) throw new PermanentError(`${ctx.stepId} failed`);
    return { step: ctx.stepId, value: ctx.payload?.value ?? null, parents };
  },
  'wf.undo': async (ctx: TaskContext) => {
    journal.push(`undo:${ctx.stepId}`);
    return { undone: ctx.stepId, of: ctx.parents[ctx.stepId!] };
  },
  'wf.hold': async (ctx: TaskContext) => {
    journal.push(`start:${ctx.stepId}`);
    await new Promise<void>((resolve) => {
      holding.get(ctx.stepId!)?.();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    throw ctx.signal.reason;
  },
  'wf.shard': async (ctx: TaskContext) => ({ worker: workerId, shard: ctx.shard }),
});

beforeAll(async () => {
  server = await startServer({
    db: `sqlite:${join(tmp.dir, 'wf.db')}`,
    port: 0,
    logLevel: 'silent',
    worker: false,
  });
  client = new ChronoqClient({ url: server.url });
  for (const id of ['w-1', 'w-2', 'w-3']) {
    const w = new Worker({ url: server.url, id, name: id, concurrency: 4, handlers: handlers(id) });
    await w.start();
    workers.push(w);
  }
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop({ graceMs: 0 })));
  await server.shutdown({ graceMs: 0 });
  tmp.cleanup();
});

const step = (value?: unknown, fail = false) => ({
  type: 'wf.step',
  maxAttempts: 1,
  payload: fail ? { fail: true } : { value },
});

function order(prefix: string): string[] {
  return journal.filter((e) => e.startsWith(prefix)).map((e) => e.slice(prefix.length));
}

describe('workflows over the API, with remote workers', () => {
  it('runs a diamond: children see their parents’ results, the join waits for both', async () => {
    journal.length = 0;
    const spec = workflow('diamond')
      .step('a', step(1))
      .step('b', step(2), { dependsOn: ['a'] })
      .step('c', step(3), { dependsOn: ['a'] })
      .step('d', step(4), { dependsOn: ['b', 'c'] })
      .build();
    const started = await client.workflows.run(spec);
    expect(started.state).toBe('running');
    expect(started.edges).toEqual([
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'd'],
      ['c', 'd'],
    ]);
    const done = await client.workflows.wait(started.id, { timeoutMs: 20_000 });
    expect(done.state).toBe('succeeded');
    expect(done.steps.map((s) => s.state)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    // The join started after both its parents ended.
    expect(journal.indexOf('start:d')).toBeGreaterThan(journal.indexOf('end:b'));
    expect(journal.indexOf('start:d')).toBeGreaterThan(journal.indexOf('end:c'));
    const d = await client.get(done.steps[3]!.taskId!);
    expect(d.result).toMatchObject({
      parents: { b: { step: 'b', value: 2 }, c: { step: 'c', value: 3 } },
    });
    const page = await client.list({ workflowId: started.id });
    expect(page.tasks).toHaveLength(4);
  });

  it('takes the failure branch when a step fails, and skips the success branch', async () => {
    const spec = workflow('branches')
      .step('check', step(undefined, true))
      .step('happy', step('h'), { dependsOn: ['check'] })
      .step('sad', step('s'), { dependsOn: ['check'], when: 'failure' })
      .step('report', step('r'), { dependsOn: ['happy', 'sad'], when: 'always' })
      .build();
    const { id } = await client.workflows.run(spec);
    const done = await client.workflows.wait(id, { timeoutMs: 20_000 });
    const states = Object.fromEntries(done.steps.map((s) => [s.id, s.state]));
    expect(states).toEqual({
      check: 'failed',
      happy: 'skipped',
      sad: 'succeeded',
      report: 'succeeded',
    });
    expect(done.state).toBe('succeeded');
  });

  it('compensates the steps that succeeded, in reverse dependency order', async () => {
    journal.length = 0;
    const undo = { type: 'wf.undo', maxAttempts: 2 };
    const { id } = await client.workflows.run({
      name: 'saga',
      onFailure: 'compensate',
      steps: [
        { id: 'reserve', task: step('room'), compensate: undo },
        { id: 'charge', dependsOn: ['reserve'], task: step('card'), compensate: undo },
        { id: 'email', dependsOn: ['charge'], task: step('mail') },
        { id: 'ship', dependsOn: ['email'], task: step(undefined, true), compensate: undo },
      ],
    });
    const done = await client.workflows.wait(id, { timeoutMs: 20_000 });
    expect(done.state).toBe('compensated');
    expect(done.error).toMatchObject({ stepId: 'ship' });
    expect(order('undo:')).toEqual(['charge', 'reserve']);
    const byId = Object.fromEntries(done.steps.map((s) => [s.id, s]));
    expect(byId.charge!.compensation?.state).toBe('succeeded');
    expect(byId.reserve!.compensation?.state).toBe('succeeded');
    expect(byId.ship!.compensation).toBeNull();
    // A compensation sees the result of the step it undoes.
    const undoCharge = await client.get(byId.charge!.compensation!.taskId);
    expect(undoCharge).toMatchObject({ compensation: true, result: { of: { value: 'card' } } });
  });

  it('cancels mid-flight: the running step is cancelled, the rest skipped', async () => {
    const running = new Promise<void>((resolve) => holding.set('slow', resolve));
    const { id } = await client.workflows.run({
      name: 'cancel-me',
      steps: [
        { id: 'slow', task: { type: 'wf.hold', maxAttempts: 1 } },
        { id: 'next', dependsOn: ['slow'], task: step('n') },
      ],
    });
    await running;
    const cancelled = await client.workflows.cancel(id);
    expect(cancelled.state).toBe('cancelled');
    const done = await client.wait(cancelled.steps[0]!.taskId!, { timeoutMs: 10_000 });
    expect(done.state).toBe('cancelled');
    const after = await client.workflows.get(id);
    expect(after.steps.map((s) => s.state)).toEqual(['cancelled', 'skipped']);
    const again = await call(server.url, 'POST', `/api/v1/workflows/${id}/cancel`);
    expect(again.status).toBe(409);
  });

  it('runs a sharded task as one child per shard, spread over the three workers', async () => {
    const parent = await client.submit({ type: 'wf.shard', shards: 3 });
    expect(parent.shards).toBe(3);
    const done = await client.wait(parent.id, { timeoutMs: 20_000 });
    expect(done.state).toBe('succeeded');
    const results = done.result as { worker: string; shard: { index: number; total: number } }[];
    expect(results.map((r) => r.shard)).toEqual([
      { index: 0, total: 3 },
      { index: 1, total: 3 },
      { index: 2, total: 3 },
    ]);
    expect(new Set(results.map((r) => r.worker))).toEqual(new Set(['w-1', 'w-2', 'w-3']));
  });

  it('runs a broadcast task once on every live worker', async () => {
    const parent = await client.submit({ type: 'wf.shard', broadcast: true });
    const done = await client.wait(parent.id, { timeoutMs: 20_000 });
    expect(done.state).toBe('succeeded');
    const results = done.result as { worker: string }[];
    expect(results.map((r) => r.worker).sort()).toEqual(['w-1', 'w-2', 'w-3']);
  });

  it('refuses bad workflows with a 400 naming the step and field, storing nothing', async () => {
    const post = (body: unknown) => call(server.url, 'POST', '/api/v1/workflows', body);
    const before = (await client.workflows.list({ limit: 500 })).workflows.length;
    const t = { type: 'wf.step' };
    const cycle = await post({
      name: 'c',
      steps: [
        { id: 'a', dependsOn: ['c'], task: t },
        { id: 'b', dependsOn: ['a'], task: t },
        { id: 'c', dependsOn: ['b'], task: t },
      ],
    });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.message).toMatch(/cycle: .*a.*b.*c|cycle: .*c.*a.*b|cycle: .*b.*c.*a/);
    const unknown = await post({ name: 'u', steps: [{ id: 'a', dependsOn: ['zz'], task: t }] });
    expect(unknown.body.error).toMatchObject({ field: 'steps.0.dependsOn.0' });
    expect(unknown.body.error.message).toContain('unknown step "zz"');
    const dup = await post({
      name: 'd',
      steps: [
        { id: 'a', task: t },
        { id: 'a', task: t },
      ],
    });
    expect(dup.body.error).toMatchObject({ field: 'steps.1.id' });
    expect(dup.body.error.message).toContain('duplicate step id "a"');
    const empty = await post({ name: 'e', steps: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toContain('at least one step');
    const badSpec = await post({
      name: 'b',
      steps: [
        { id: 'ok', task: t },
        { id: 'charge', task: { type: 'x', priority: 1.5 } },
      ],
    });
    expect(badSpec.body.error.field).toBe('steps.1.task.priority');
    expect(badSpec.body.error.message).toContain('step "charge"');
    expect((await client.workflows.list({ limit: 500 })).workflows.length).toBe(before);
    // The SDK refuses the same before sending.
    expect(() =>
      workflow('x')
        .step('a', t, { dependsOn: ['a'] })
        .build(),
    ).toThrow(ChronoqValidationError);
  });

  it('is driven by the CLI: workflow run FILE --wait, get, ls', async () => {
    const file = join(tmp.dir, 'wf.yaml');
    writeFileSync(
      file,
      [
        'name: from-yaml',
        'steps:',
        '  - id: first',
        '    task: { type: wf.step, payload: { value: 1 } }',
        '  - id: second',
        '    dependsOn: [first]',
        '    task: { type: wf.step, payload: { value: 2 } }',
      ].join('\n'),
    );
    const env = { CHRONOQ_URL: server.url };
    const run = await cli(['workflow', 'run', file, '--wait', '--json'], env);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout);
    expect(body).toMatchObject({ name: 'from-yaml', state: 'succeeded' });
    const get = await cli(['workflow', 'get', body.id], env);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/second\s+succeeded\s+first/);
    const ls = await cli(['workflow', 'ls', '--state', 'succeeded', '--json'], env);
    expect(JSON.parse(ls.stdout).workflows.map((w: { id: string }) => w.id)).toContain(body.id);

    const failing = join(tmp.dir, 'bad.json');
    writeFileSync(
      failing,
      JSON.stringify({
        name: 'f',
        steps: [{ id: 'x', task: { type: 'wf.step', maxAttempts: 1, payload: { fail: true } } }],
      }),
    );
    expect((await cli(['workflow', 'run', failing, '--wait'], env)).code).toBe(1);
    const cyclic = join(tmp.dir, 'cyclic.yaml');
    writeFileSync(cyclic, 'name: c\nsteps:\n  - {id: a, dependsOn: [a], task: {type: t}}\n');
    const bad = await cli(['workflow', 'run', cyclic], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('depends on itself');
  });
});
