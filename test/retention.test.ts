import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, waitTask } from './helpers/http.js';
import { metricSum } from './helpers/metrics.js';
import { spawnServer, type ServerProcess } from './helpers/processes.js';
import { tempDir } from './helpers/temp.js';
import { waitFor } from './helpers/wait.js';

const tmp = tempDir('chronoq-retention-');
let server: ServerProcess;

beforeAll(async () => {
  server = await spawnServer([
    ...['--db', `sqlite:${tmp.dir}/retention.db`, '--port', '0', '--log-level', 'warn'],
    ...['--retention', '1s'],
  ]);
});

afterAll(async () => {
  server.child.kill('SIGKILL');
  await server.exited;
  tmp.cleanup();
});

describe('--retention', () => {
  it('deletes finished tasks once they are older than the retention, and keeps the rest', async () => {
    const batch = await call(server.url, 'POST', '/api/v1/tasks/batch', {
      tasks: Array.from({ length: 20 }, (_, i) => ({ type: 'chronoq.echo', payload: i })),
    });
    expect(batch.status).toBe(201);
    const ids: string[] = batch.body.tasks.map((t: { id: string }) => t.id);
    const later = await call(server.url, 'POST', '/api/v1/tasks', {
      type: 'chronoq.noop',
      delayMs: 3_600_000,
    });
    for (const id of ids) expect((await waitTask(server.url, id)).state).toBe('succeeded');
    // Still there right after they finished.
    expect((await call(server.url, 'GET', `/api/v1/tasks/${ids[0]}`)).status).toBe(200);
    await waitFor(
      'the finished tasks to be pruned',
      async () => {
        const got = await Promise.all(
          ids.map((id) => call(server.url, 'GET', `/api/v1/tasks/${id}`)),
        );
        return got.every((r) => r.status === 404);
      },
      { timeoutMs: 20_000, everyMs: 200 },
    );
    expect(await metricSum(server.url, 'chronoq_tasks_pruned_total')).toBe(20);
    const kept = await call(server.url, 'GET', `/api/v1/tasks/${later.body.id}`);
    expect(kept.body.state).toBe('pending');
  });

  it('deletes a finished workflow and a finished fan-out whole, with every task of theirs', async () => {
    const wf = await call(server.url, 'POST', '/api/v1/workflows', {
      name: 'nightly',
      steps: [
        { id: 'extract', task: { type: 'chronoq.echo', payload: 'e' } },
        {
          id: 'load',
          dependsOn: ['extract'],
          task: { type: 'chronoq.echo', payload: 'l', shards: 3 },
        },
      ],
    });
    expect(wf.status).toBe(201);
    const sharded = await call(server.url, 'POST', '/api/v1/tasks', {
      type: 'chronoq.echo',
      payload: 's',
      shards: 2,
    });
    expect(sharded.status).toBe(201);
    const finished = await waitTask(server.url, sharded.body.id);
    expect(finished.state).toBe('succeeded');
    await waitFor(
      'the workflow to succeed',
      async () => {
        const r = await call(server.url, 'GET', `/api/v1/workflows/${wf.body.id}`);
        return r.body.state === 'succeeded';
      },
      { timeoutMs: 20_000, everyMs: 100 },
    );
    const children = await call(server.url, 'GET', `/api/v1/tasks?type=chronoq.echo&limit=1000`);
    const familyIds: string[] = children.body.tasks
      .filter((t: { payload: unknown }) => ['e', 'l', 's'].includes(t.payload as string))
      .map((t: { id: string }) => t.id);
    // extract, load and its 3 shards; the sharded task and its 2 children.
    expect(familyIds).toHaveLength(8);
    await waitFor(
      'the workflow and the fan-out to be pruned',
      async () => {
        const wfGone = await call(server.url, 'GET', `/api/v1/workflows/${wf.body.id}`);
        const tasks = await Promise.all(
          familyIds.map((id) => call(server.url, 'GET', `/api/v1/tasks/${id}`)),
        );
        return wfGone.status === 404 && tasks.every((r) => r.status === 404);
      },
      { timeoutMs: 20_000, everyMs: 200 },
    );
  });

  it('refuses a retention that is not a duration', async () => {
    const { cli } = await import('./helpers/processes.js');
    const r = await cli(['server', '--retention', 'forever', '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--retention');
  });
});
