import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChronoqClient } from '../src/client/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { tempDir } from './helpers/temp.js';

const tmp = tempDir('chronoq-handlers-');
let server: RunningServer;
let client: ChronoqClient;

beforeAll(async () => {
  const file = join(tmp.dir, 'handlers.mjs');
  writeFileSync(
    file,
    `export default {
      async 'math.add'(ctx) {
        ctx.log('adding ' + ctx.payload.a + ' and ' + ctx.payload.b);
        ctx.progress(0.5);
        await ctx.checkpoint();
        return { sum: ctx.payload.a + ctx.payload.b, attempt: ctx.attempt };
      },
      async 'flaky.once'(ctx) {
        if (ctx.attempt === 1) throw new Error('first attempt fails');
        return 'ok on attempt ' + ctx.attempt;
      },
    };`,
  );
  server = await startServer({
    db: 'sqlite::memory:',
    port: 0,
    logLevel: 'silent',
    handlers: file,
  });
  client = new ChronoqClient({ url: server.url });
});

afterAll(async () => {
  await server.shutdown({ graceMs: 0 });
  tmp.cleanup();
});

describe('--handlers FILE', () => {
  it('runs the handlers of the module, with their logs and results', async () => {
    const t = await client.submit({ type: 'math.add', payload: { a: 2, b: 3 } });
    const done = await client.wait(t.id, { timeoutMs: 10_000 });
    expect(done.state).toBe('succeeded');
    expect(done.result).toEqual({ sum: 5, attempt: 1 });
    const logs = await client.logs(t.id);
    expect(logs.map((l) => l.line)).toContain('adding 2 and 3');
  });

  it('retries a handler that throws, with the attempt number growing', async () => {
    const t = await client.submit({
      type: 'flaky.once',
      backoff: { kind: 'fixed', initialMs: 5, jitter: 0 },
    });
    const done = await client.wait(t.id, { timeoutMs: 10_000 });
    expect(done).toMatchObject({ state: 'succeeded', attempt: 2, result: 'ok on attempt 2' });
  });
});
