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

  it('refuses a retention that is not a duration', async () => {
    const { cli } = await import('./helpers/processes.js');
    const r = await cli(['server', '--retention', 'forever', '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--retention');
  });
});
