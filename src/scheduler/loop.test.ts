import { describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/logger.js';
import { Loop } from './loop.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Loop', () => {
  it('runs a pass on start and coalesces wakes during a pass into one more pass', async () => {
    let passes = 0;
    let gate = deferred();
    const entered: (() => void)[] = [];
    const loop = new Loop({
      name: 't',
      idleMs: 60_000,
      logger: silentLogger,
      run: async () => {
        passes++;
        entered.splice(0).forEach((f) => f());
        await gate.promise;
        return undefined;
      },
    });
    const inPass = () => new Promise<void>((r) => entered.push(r));
    let first = inPass();
    loop.start();
    await first;
    expect(passes).toBe(1);
    loop.wake();
    loop.wake();
    loop.wake();
    const second = inPass();
    const g1 = gate;
    gate = deferred();
    g1.resolve();
    await second;
    expect(passes).toBe(2);
    gate.resolve();
    first = inPass();
    loop.wake();
    await first;
    expect(passes).toBe(3);
    gate.resolve();
    await loop.stop();
  });

  it('runs again at once when a pass asks for no delay, and keeps going after errors', async () => {
    let passes = 0;
    const done = deferred();
    const errors: unknown[] = [];
    const loop = new Loop({
      name: 't',
      idleMs: 60_000,
      logger: silentLogger,
      onError: (e) => errors.push(e),
      run: async () => {
        passes++;
        if (passes === 2) throw new Error('boom');
        if (passes >= 4) {
          done.resolve();
          return undefined;
        }
        return 0;
      },
    });
    loop.start();
    // Pass 2 fails; the loop then waits idleMs, so wake it to continue.
    while (errors.length === 0) await new Promise((r) => setImmediate(r));
    loop.wake();
    await done.promise;
    expect(passes).toBe(4);
    expect(errors).toHaveLength(1);
    await loop.stop();
  });

  it('does nothing after stop', async () => {
    let passes = 0;
    const loop = new Loop({
      name: 't',
      idleMs: 10,
      logger: silentLogger,
      run: async () => void passes++,
    });
    await loop.stop();
    loop.wake();
    await new Promise((r) => setImmediate(r));
    expect(passes).toBe(0);
  });
});
