import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Schedule } from '../domain/schedule.js';
import { silentLogger } from '../lib/logger.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { LeaderFence, Store } from '../store/store.js';
import { newSchedule } from '../store/testing/conformance-schedules.js';
import { lead, T0 } from '../store/testing/fixtures.js';
import { ScheduleFirer } from './schedule-firer.js';

const S = 1000;
const dir = mkdtempSync(join(tmpdir(), 'chronoq-firer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** A clock the test moves by hand. */
const clock = { t: T0, now: () => clock.t };

let store: Store;
let fence: LeaderFence;
let fired: { name: string; fireAts: (number | null)[]; skipped: number }[];
let firer: ScheduleFirer;

const newFirer = () =>
  new ScheduleFirer({
    store,
    clock,
    logger: silentLogger,
    onFired: (s, created, skipped) =>
      fired.push({ name: s.name, fireAts: created.map((t) => t.fireAt), skipped }),
  });

beforeEach(async () => {
  store = await openSqliteStore(join(dir, `firer-${++files}.db`));
  await store.migrate();
  clock.t = T0;
  fence = await lead(store, T0, 'leader', 3_600_000);
  fired = [];
  firer = newFirer();
});
afterEach(async () => store.close());

async function create(over: Partial<Schedule>): Promise<Schedule> {
  const s = await store.scheduleCreate(newSchedule(over));
  if (!s) throw new Error('not created');
  return s;
}

const fireTimes = async (id: string) =>
  (await store.scheduleRuns(id, { limit: 1000 })).map((t) => t.fireAt! - T0).reverse();

describe('ScheduleFirer', () => {
  it('fires at the fire time, not before, and says how long to wait for the next', async () => {
    const s = await create({ nextFireAt: T0 + 5 * S });
    clock.t = T0 + 5 * S - 1;
    expect(await firer.pass(fence, clock.t)).toBe(1);
    expect(await fireTimes(s.id)).toEqual([]);
    clock.t = T0 + 5 * S;
    expect(await firer.pass(fence, clock.t)).toBe(S);
    expect(await fireTimes(s.id)).toEqual([5 * S]);
    const [task] = await store.scheduleRuns(s.id, { limit: 1 });
    expect(task).toMatchObject({ state: 'ready', runAt: T0 + 5 * S, scheduleId: s.id });
    expect(await store.scheduleGet(s.id)).toMatchObject({ runs: 1, nextFireAt: T0 + 6 * S });
  });

  it('answers undefined when nothing is scheduled, and skips paused schedules', async () => {
    expect(await firer.pass(fence, clock.t)).toBeUndefined();
    const s = await create({ paused: true });
    expect(await firer.pass(fence, clock.t + 10 * S)).toBeUndefined();
    expect(await fireTimes(s.id)).toEqual([]);
  });

  it('after downtime, a new leader applies the misfire policy and never fires a time twice', async () => {
    const once = await create({ name: 'once', misfire: 'fire-once' });
    const skip = await create({ name: 'skip', misfire: 'skip' });
    const catchUp = await create({ name: 'catch', misfire: { catchUp: 3 } });
    await firer.pass(fence, T0);
    // The leader dies; 10.5 s later another takes over with a fresh firer.
    clock.t = T0 + 10_500;
    await store.leaseRelease('leader', 'leader');
    const next = await lead(store, clock.t, 'leader-2', 3_600_000);
    await newFirer().pass(next, clock.t);
    expect(await fireTimes(once.id)).toEqual([0, 9 * S, 10 * S]);
    expect(await fireTimes(skip.id)).toEqual([0, 10 * S]);
    expect(await fireTimes(catchUp.id)).toEqual([0, 7 * S, 8 * S, 9 * S, 10 * S]);
    expect(fired.filter((f) => f.name === 'skip').at(-1)!.skipped).toBe(9);
  });

  it('two passes from the same stale read make one task per fire time', async () => {
    const s = await create({});
    clock.t = T0 + 2 * S;
    await Promise.all([firer.pass(fence, clock.t), newFirer().pass(fence, clock.t)]);
    expect(await fireTimes(s.id)).toEqual([0, S, 2 * S]);
  });

  it('overlap skip: no new run while one is active', async () => {
    const s = await create({ overlap: 'skip' });
    await firer.pass(fence, T0);
    clock.t = T0 + S;
    await firer.pass(fence, clock.t);
    expect(await fireTimes(s.id)).toEqual([0]);
    const [run] = await store.scheduleRuns(s.id, { limit: 1 });
    await store.taskAct(run!.id, 'cancel', clock.t, null);
    clock.t = T0 + 2 * S;
    await firer.pass(fence, clock.t);
    expect(await fireTimes(s.id)).toEqual([0, 2 * S]);
  });

  it('overlap buffer-one: holds one fire time and fires it once the run ends', async () => {
    const s = await create({ overlap: 'buffer-one' });
    await firer.pass(fence, T0);
    clock.t = T0 + S;
    await firer.pass(fence, clock.t);
    expect(firer.waitsOnRuns()).toBe(true);
    expect((await store.scheduleGet(s.id))!.bufferedFireAt).toBe(T0 + S);
    const [run] = await store.scheduleRuns(s.id, { limit: 1 });
    await store.taskAct(run!.id, 'cancel', clock.t, null);
    await firer.pass(fence, clock.t + 100);
    expect(await fireTimes(s.id)).toEqual([0, S]);
    expect((await store.scheduleGet(s.id))!.bufferedFireAt).toBeNull();
  });

  it('overlap cancel-previous: cancels the active run and starts the new one', async () => {
    const s = await create({ overlap: 'cancel-previous' });
    await firer.pass(fence, T0);
    const [first] = await store.scheduleRuns(s.id, { limit: 1 });
    clock.t = T0 + S;
    await firer.pass(fence, clock.t);
    expect(await fireTimes(s.id)).toEqual([0, S]);
    expect((await store.taskGet(first!.id))!.state).toBe('cancelled');
    const events = await store.taskEvents(first!.id);
    expect(events.at(-1)).toMatchObject({ actor: `schedule:${s.name}` });
  });

  it('stops at maxRuns', async () => {
    const s = await create({ maxRuns: 2 });
    for (let i = 0; i < 4; i++) await firer.pass(fence, T0 + i * S);
    expect(await fireTimes(s.id)).toEqual([0, S]);
    expect(await store.scheduleGet(s.id)).toMatchObject({ runs: 2, nextFireAt: null });
    expect(await store.scheduleNextDue()).toBeNull();
  });
});
