import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

/** A write whose calls are recorded and finish only when the test says so. */
function gatedWrite() {
  const calls: { items: number[]; finish: () => void }[] = [];
  const write = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({
        items,
        finish: () =>
          items.includes(-1) ? reject(new Error('bad item')) : resolve(items.map((i) => `r${i}`)),
      });
    });
  const nextCall = async (n: number) => {
    while (calls.length < n) await new Promise((r) => setImmediate(r));
    return calls[n - 1]!;
  };
  return { calls, write, nextCall };
}

describe('GroupCommit', () => {
  it('writes the calls that arrive during a write together, and answers each its own results', async () => {
    const w = gatedWrite();
    const group = new GroupCommit<number, string>({ write: w.write });
    const first = group.submit([1]);
    const call1 = await w.nextCall(1);
    expect(call1.items).toEqual([1]);
    const second = group.submit([2, 3]);
    const third = group.submit([4]);
    call1.finish();
    expect(await first).toEqual(['r1']);
    const call2 = await w.nextCall(2);
    expect(call2.items).toEqual([2, 3, 4]);
    call2.finish();
    expect(await second).toEqual(['r2', 'r3']);
    expect(await third).toEqual(['r4']);
    expect(w.calls).toHaveLength(2);
  });

  it('writes each call alone when a shared write fails, so one bad call fails only itself', async () => {
    const w = gatedWrite();
    const group = new GroupCommit<number, string>({ write: w.write });
    const blocker = group.submit([0]);
    (await w.nextCall(1)).finish();
    await blocker;
    const good = group.submit([1]);
    const bad = group.submit([-1]);
    const alsoGood = group.submit([2]);
    const shared = await w.nextCall(2);
    expect(shared.items).toEqual([1, -1, 2]);
    shared.finish();
    (await w.nextCall(3)).finish();
    await expect(good).resolves.toEqual(['r1']);
    (await w.nextCall(4)).finish();
    await expect(bad).rejects.toThrow('bad item');
    (await w.nextCall(5)).finish();
    await expect(alsoGood).resolves.toEqual(['r2']);
  });

  it('keeps a write to maxItems, never splitting a call', async () => {
    const w = gatedWrite();
    const group = new GroupCommit<number, string>({ write: w.write, maxItems: 3 });
    const a = group.submit([1, 2]);
    const b = group.submit([3, 4]);
    const c = group.submit([5]);
    const call1 = await w.nextCall(1);
    expect(call1.items).toEqual([1, 2]);
    call1.finish();
    const call2 = await w.nextCall(2);
    expect(call2.items).toEqual([3, 4, 5]);
    call2.finish();
    expect(await Promise.all([a, b, c])).toEqual([['r1', 'r2'], ['r3', 'r4'], ['r5']]);
  });

  it('fails a call whose write answers with the wrong number of results', async () => {
    const group = new GroupCommit<number, string>({ write: () => Promise.resolve(['one']) });
    await expect(group.submit([1, 2])).rejects.toThrow('1 results for 2 items');
  });
});
