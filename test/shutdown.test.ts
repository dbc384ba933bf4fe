import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/server/index.js';
import { call, watchChanges } from './helpers/http.js';
import { tempDir } from './helpers/temp.js';

const tmp = tempDir('chronoq-shutdown-');
afterAll(() => tmp.cleanup());

describe('graceful shutdown', () => {
  it('hands back a task that outlives the grace period, without spending an attempt', async () => {
    const db = `sqlite:${tmp.dir}/grace.db`;
    const first = await startServer({ db, port: 0, logLevel: 'silent' });
    const watch = await watchChanges(first.url);
    const t = await call(first.url, 'POST', '/api/v1/tasks', {
      type: 'chronoq.sleep',
      payload: { ms: 60_000 },
    });
    await watch.until((c) => c.id === t.body.id && c.state === 'running');
    watch.close();
    await first.shutdown({ graceMs: 50 });

    const second = await startServer({ db, port: 0, logLevel: 'silent', worker: false });
    const back = await call(second.url, 'GET', `/api/v1/tasks/${t.body.id}`);
    expect(back.body).toMatchObject({ state: 'ready', attempt: 1, attemptsLeft: 3 });
    expect(back.body.attempts[0]).toMatchObject({ attempt: 1, outcome: 'snoozed' });
    await second.shutdown({ graceMs: 0 });
  });
});
