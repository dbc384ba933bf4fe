import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, waitTask, watchChanges } from './helpers/http.js';
import { cli, spawnServer, type ServerProcess } from './helpers/processes.js';
import { tempDir } from './helpers/temp.js';

const tmp = tempDir('chronoq-e2e-');
const db = `sqlite:${tmp.dir}/e2e.db`;
let server: ServerProcess;
let env: Record<string, string>;

beforeAll(async () => {
  server = await spawnServer([
    '--db',
    db,
    '--port',
    '0',
    '--concurrency',
    '10',
    '--log-level',
    'warn',
  ]);
  env = { CHRONOQ_URL: server.url };
});

afterAll(async () => {
  server.child.kill('SIGKILL');
  tmp.cleanup();
});

const json = (r: { stdout: string }) => JSON.parse(r.stdout);

describe('chronoq server driven by the CLI and the API', () => {
  it('submits and waits for success', async () => {
    const r = await cli(
      ['submit', 'chronoq.echo', '--payload', '{"n":42}', '--wait', '--json'],
      env,
    );
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ state: 'succeeded', result: { n: 42 } });
  });

  it('retries a failing task, dead-letters it, and retries it by hand', async () => {
    const r = await cli(
      [
        'submit',
        'chronoq.fail',
        '--payload',
        '{"message":"nope"}',
        '--max-attempts',
        '2',
        '--wait',
        '--json',
      ],
      env,
    );
    expect(r.code).toBe(1);
    const task = json(r);
    expect(task).toMatchObject({ state: 'failed', attempt: 2, error: { message: 'nope' } });
    const dead = await cli(['ls', '--state', 'failed', '--json'], env);
    expect(dead.code).toBe(0);
    expect(json(dead).tasks.map((t: { id: string }) => t.id)).toContain(task.id);
    const retry = await cli(['retry', task.id, '--json'], env);
    expect(retry.code).toBe(0);
    const waited = await cli(['wait', task.id, '--json'], env);
    expect(waited.code).toBe(1);
    expect(json(waited)).toMatchObject({ state: 'failed', attempt: 4 });
    const got = await cli(['get', task.id], env);
    expect(got.code).toBe(0);
    expect(got.stdout).toContain(task.id);
  });

  it('pauses, resumes and cancels a running task', async () => {
    const watch = await watchChanges(server.url);
    const sub = await cli(['submit', 'chronoq.sleep', '--payload', '{"ms":60000}', '--json'], env);
    const id = json(sub).id;
    await watch.until((c) => c.id === id && c.state === 'running');
    expect((await cli(['pause', id], env)).code).toBe(0);
    await watch.until((c) => c.id === id && c.state === 'paused');
    expect((await cli(['resume', id], env)).code).toBe(0);
    await watch.until((c) => c.id === id && c.state === 'running' && c.want === 'run');
    expect((await cli(['cancel', id], env)).code).toBe(0);
    const waited = await cli(['wait', id, '--json'], env);
    expect(waited.code).toBe(1);
    expect(json(waited).state).toBe('cancelled');
    expect((await cli(['resume', id], env)).code).toBe(1);
    watch.close();
  });

  it('rejects bad usage with exit code 2', async () => {
    expect((await cli(['submit'], env)).code).toBe(2);
    expect((await cli(['submit', 'x', '--delay', '10parsecs'], env)).code).toBe(2);
    expect((await cli(['submit', 'x', '--payload', '{nope'], env)).code).toBe(2);
    expect((await cli(['frobnicate'], env)).code).toBe(2);
    const help = await cli(['submit', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--payload');
  });

  it('loses nothing across kill -9: acknowledged tasks survive and a running task runs again', async () => {
    const watch = await watchChanges(server.url);
    const running = await call(server.url, 'POST', '/api/v1/tasks', {
      type: 'chronoq.sleep',
      payload: { ms: 1500 },
      backoff: { kind: 'fixed', initialMs: 10 },
    });
    const batch = await call(server.url, 'POST', '/api/v1/tasks/batch', {
      tasks: Array.from({ length: 200 }, (_, i) => ({
        type: 'chronoq.echo',
        payload: i,
        delayMs: 500,
      })),
    });
    expect(batch.status).toBe(201);
    await watch.until((c) => c.id === running.body.id && c.state === 'running');
    watch.close();

    server.child.kill('SIGKILL');
    await server.exited;
    const port = new URL(server.url).port;
    server = await spawnServer([
      '--db',
      db,
      '--port',
      port,
      '--concurrency',
      '10',
      '--log-level',
      'warn',
    ]);

    const again = await waitTask(server.url, running.body.id, 30_000);
    expect(again.state).toBe('succeeded');
    expect(again.attempt).toBe(2);
    const detail = await call(server.url, 'GET', `/api/v1/tasks/${running.body.id}`);
    expect(detail.body.attempts[0]).toMatchObject({ attempt: 1, outcome: 'failed' });
    expect(detail.body.attempts[0].error.code).toBe('WORKER_LOST');
    for (const t of batch.body.tasks) {
      const done = await waitTask(server.url, t.id, 30_000);
      expect(done.state).toBe('succeeded');
    }
  });

  it('on SIGTERM lets running work finish, then exits 0', async () => {
    const watch = await watchChanges(server.url);
    const t = await call(server.url, 'POST', '/api/v1/tasks', {
      type: 'chronoq.sleep',
      payload: { ms: 700 },
    });
    await watch.until((c) => c.id === t.body.id && c.state === 'running');
    watch.close();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const port = new URL(server.url).port;
    server = await spawnServer(['--db', db, '--port', port, '--log-level', 'warn']);
    const done = await call(server.url, 'GET', `/api/v1/tasks/${t.body.id}`);
    expect(done.body).toMatchObject({ state: 'succeeded', attempt: 1 });
  });
});
