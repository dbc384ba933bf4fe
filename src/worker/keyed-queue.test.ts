import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './keyed-queue.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('KeyedQueue', () => {
  it('does not queue a key that is already waiting', async () => {
    const seen: string[] = [];
    const gate = deferred();
    const q = new KeyedQueue(
      async (key) => {
        seen.push(key);
        if (key === 'block') await gate.promise;
      },
      { concurrency: 1 },
    );
    q.push('block'); // occupies the only slot
    q.push('a');
    q.push('b');
    q.push('a');
    q.push('a');
    expect(q.size).toBe(3);
    gate.resolve();
    await q.idle();
    expect(seen).toEqual(['block', 'a', 'b']);
  });

  it('never processes one key twice at once, and processes it again if pushed meanwhile', async () => {
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const gates = [deferred(), deferred()];
    const q = new KeyedQueue(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await gates[calls++]!.promise;
      running--;
    });
    q.push('k');
    q.push('k'); // while active: once more afterwards
    q.push('k'); // still only once more
    gates[0]!.resolve();
    gates[1]!.resolve();
    await q.idle();
    expect(calls).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('bounds concurrency across keys', async () => {
    let running = 0;
    let maxRunning = 0;
    const gate = deferred();
    const q = new KeyedQueue(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await gate.promise;
        running--;
      },
      { concurrency: 3 },
    );
    for (let i = 0; i < 10; i++) q.push(`k${i}`);
    expect(running).toBe(3);
    gate.resolve();
    await q.idle();
    expect(maxRunning).toBe(3);
  });

  it('runs synchronous processors inline, including keys pushed while processing', () => {
    const seen: string[] = [];
    const q = new KeyedQueue((key) => {
      seen.push(key);
      if (key === 'a' && seen.length === 1) {
        q.push('b');
        q.push('a'); // itself: once more after this call
      }
    });
    q.push('a');
    expect(seen).toEqual(['a', 'b', 'a']);
    expect(q.size).toBe(0);
  });

  it('reports errors and goes on', async () => {
    const errors: string[] = [];
    const seen: string[] = [];
    const q = new KeyedQueue(
      (key) => {
        if (key === 'bad') throw new Error('bad key');
        if (key === 'worse') return Promise.reject(new Error('worse key'));
        seen.push(key);
      },
      { onError: (key, err) => errors.push(`${key}: ${(err as Error).message}`) },
    );
    q.push('bad');
    q.push('worse');
    q.push('good');
    await q.idle();
    expect(seen).toEqual(['good']);
    expect(errors).toEqual(['bad: bad key', 'worse: worse key']);
  });

  it('handles 50,000 keys quickly', () => {
    let n = 0;
    const q = new KeyedQueue(() => {
      n++;
    });
    const start = performance.now();
    for (let i = 0; i < 50_000; i++) q.push(`task-${i}`);
    expect(n).toBe(50_000);
    expect(performance.now() - start).toBeLessThan(1_000);
  });
});
