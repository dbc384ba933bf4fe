import { describe, expect, it } from 'vitest';
import { initialPosition, taskForFire, type Schedule } from '../../domain/schedule.js';
import { LeaseLostError, type Store } from '../store.js';
import { lead, newTask, T0 } from './fixtures.js';
import { insertOne, type Harness } from './harness.js';

const S = 1000;

/** A schedule firing every second from T0, unpaused, at version 1. */
export function newSchedule(overrides: Partial<Schedule> = {}): Schedule {
  const timing = {
    cron: null,
    every: S,
    at: null,
    timezone: 'UTC',
    anchorAt: T0,
    startAt: null,
    endAt: null,
  };
  return {
    id: `sch-${overrides.name ?? 'one'}`,
    name: 'one',
    ...timing,
    overlap: 'allow',
    misfire: 'fire-once',
    maxRuns: null,
    jitterMs: 0,
    task: newTask({ type: 'scheduled.job' }),
    ...initialPosition(timing, T0),
    paused: false,
    createdAt: T0,
    updatedAt: T0,
    version: 1,
    ...overrides,
  };
}

/** Fire `schedule` at `fireAts` and move it one step past the last of them. */
async function fire(store: Store, s: Schedule, fireAts: number[], now = T0) {
  const fence = await lead(store, now);
  const last = fireAts.at(-1) ?? s.nextFireAt!;
  const [r] = await store.scheduleFire(
    fence,
    [
      {
        scheduleId: s.id,
        version: s.version,
        tasks: fireAts.map((t) => taskForFire(s, t)),
        position: {
          nextFireAt: last + S,
          runs: s.runs + fireAts.length,
          lastFireAt: last,
          bufferedFireAt: null,
        },
      },
    ],
    now,
  );
  return r!;
}

export function describeSchedules(h: Harness): void {
  describe('schedules: definitions', () => {
    it('creates, reads by id or name, lists by name; a taken name is refused', async () => {
      const store = h.store();
      const b = newSchedule({ name: 'b' });
      const a = newSchedule({
        name: 'a',
        cron: '*/5 * * * *',
        every: null,
        timezone: 'Europe/London',
      });
      expect(await store.scheduleCreate(b)).toEqual(b);
      expect(await store.scheduleCreate(a)).toEqual(a);
      expect(await store.scheduleCreate({ ...newSchedule({ name: 'a' }), id: 'other' })).toBeNull();
      expect(await store.scheduleGet(a.id)).toEqual(a);
      expect(await store.scheduleGet('a')).toEqual(a);
      expect(await store.scheduleGet('nope')).toBeNull();
      expect((await store.scheduleList()).map((s) => s.name)).toEqual(['a', 'b']);
      expect(h.events().filter((e) => e.kind === 'schedules')).toHaveLength(2);
    });

    it('updates by compare-and-set on the version', async () => {
      const store = h.store();
      const s = (await store.scheduleCreate(newSchedule()))!;
      const changed = await store.scheduleUpdate({ ...s, paused: true, jitterMs: 50 }, 1, T0 + 5);
      expect(changed).toMatchObject({ paused: true, jitterMs: 50, version: 2, updatedAt: T0 + 5 });
      expect(await store.scheduleGet(s.id)).toEqual(changed);
      expect(await store.scheduleUpdate({ ...s, paused: false }, 1, T0 + 6)).toBeNull();
      expect((await store.scheduleGet(s.id))!.paused).toBe(true);
    });

    it('deletes a schedule and keeps the tasks it made', async () => {
      const store = h.store();
      const s = (await store.scheduleCreate(newSchedule()))!;
      const r = await fire(store, s, [T0]);
      expect(await store.scheduleDelete(s.id)).toBe(true);
      expect(await store.scheduleDelete(s.id)).toBe(false);
      expect(await store.scheduleGet(s.id)).toBeNull();
      expect(await store.taskGet(r.created[0]!.id)).toMatchObject({ scheduleId: s.id });
    });
  });

  describe('schedules: what is due', () => {
    it('lists unpaused schedules due by now, or holding a buffered fire, earliest first', async () => {
      const store = h.store();
      await store.scheduleCreate(newSchedule({ name: 'late', nextFireAt: T0 + 5 * S }));
      await store.scheduleCreate(newSchedule({ name: 'early', nextFireAt: T0 + S }));
      await store.scheduleCreate(newSchedule({ name: 'paused', nextFireAt: T0, paused: true }));
      await store.scheduleCreate(
        newSchedule({ name: 'held', nextFireAt: T0 + 60 * S, bufferedFireAt: T0 }),
      );
      await store.scheduleCreate(newSchedule({ name: 'done', nextFireAt: null }));
      expect(await store.scheduleNextDue()).toBe(T0 + S);
      expect((await store.scheduleDue(T0, 10)).map((s) => s.name)).toEqual(['held']);
      expect((await store.scheduleDue(T0 + 5 * S, 10)).map((s) => s.name)).toEqual([
        'early',
        'late',
        'held',
      ]);
      expect((await store.scheduleDue(T0 + 5 * S, 1)).map((s) => s.name)).toEqual(['early']);
    });

    it('has no next due time when every schedule is paused or done', async () => {
      const store = h.store();
      expect(await store.scheduleNextDue()).toBeNull();
      await store.scheduleCreate(newSchedule({ name: 'p', paused: true }));
      await store.scheduleCreate(newSchedule({ name: 'd', nextFireAt: null }));
      expect(await store.scheduleNextDue()).toBeNull();
    });
  });

  describe('schedules: firing', () => {
    it('makes one task per fire time and moves the schedule, in one step', async () => {
      const store = h.store();
      const s = (await store.scheduleCreate(newSchedule()))!;
      h.clearEvents();
      const r = await fire(store, s, [T0, T0 + S], T0 + S);
      expect(r.applied).toBe(true);
      expect(r.created.map((t) => [t.scheduleId, t.fireAt, t.state, t.type])).toEqual([
        [s.id, T0, 'ready', 'scheduled.job'],
        [s.id, T0 + S, 'ready', 'scheduled.job'],
      ]);
      expect(await store.scheduleGet(s.id)).toMatchObject({
        nextFireAt: T0 + 2 * S,
        runs: 2,
        lastFireAt: T0 + S,
        version: 2,
      });
      expect(h.taskChanges().map((c) => c.id)).toEqual(r.created.map((t) => t.id));
      expect(h.events().some((e) => e.kind === 'schedules')).toBe(true);
      const events = await store.taskEvents(r.created[0]!.id);
      expect(events[0]).toMatchObject({
        kind: 'submitted',
        detail: { scheduleId: s.id, fireAt: T0 },
      });
    });

    it('a task due later (jitter) waits as pending', async () => {
      const store = h.store();
      const s = (await store.scheduleCreate(newSchedule({ jitterMs: 10_000 })))!;
      const task = taskForFire(s, T0 + S);
      const fence = await lead(store);
      const [r] = await store.scheduleFire(
        fence,
        [
          {
            scheduleId: s.id,
            version: 1,
            tasks: [task],
            position: { ...s, nextFireAt: T0 + 2 * S },
          },
        ],
        T0,
      );
      expect(task.runAt).toBeGreaterThan(T0);
      expect(r!.created[0]).toMatchObject({ state: 'pending', runAt: task.runAt });
      expect(await store.taskNextDue()).toBe(task.runAt);
    });

    it('never makes a second task for a fire time, even from an up-to-date version', async () => {
      const store = h.store();
      const s = (await store.scheduleCreate(newSchedule()))!;
      const first = await fire(store, s, [T0]);
      const again = await fire(store, (await store.scheduleGet(s.id))!, [T0, T0 + S]);
      expect(first.created).toHaveLength(1);
      expect(again.applied).toBe(true);
      expect(again.created.map((t) => t.fireAt)).toEqual([T0 + S]);
      const runs = await store.scheduleRuns(s.id, { limit: 10 });
      expect(runs.map((t) => t.fireAt)).toEqual([T0 + S, T0]);
    });

    it('does nothing for a schedule that moved since it was read', async () => {
      const store = h.store();
      const s = (await store.scheduleCreate(newSchedule()))!;
      await store.scheduleUpdate({ ...s, jitterMs: 1 }, 1, T0);
      const r = await fire(store, s, [T0]);
      expect(r).toEqual({ scheduleId: s.id, applied: false, created: [] });
      expect(await store.scheduleRuns(s.id, { limit: 10 })).toEqual([]);
      expect((await store.scheduleGet(s.id))!.nextFireAt).toBe(T0);
    });

    it('refuses a deposed leader: no task, no move', async () => {
      const store = h.store();
      const s = (await store.scheduleCreate(newSchedule()))!;
      const old = await lead(store, T0, 'old', 1000);
      await lead(store, T0 + 2000, 'new');
      await expect(
        store.scheduleFire(
          old,
          [
            {
              scheduleId: s.id,
              version: 1,
              tasks: [taskForFire(s, T0)],
              position: { ...s, nextFireAt: T0 + S },
            },
          ],
          T0 + 2000,
        ),
      ).rejects.toBeInstanceOf(LeaseLostError);
      expect(await store.scheduleRuns(s.id, { limit: 10 })).toEqual([]);
      expect(await store.scheduleGet(s.id)).toEqual(s);
    });

    it('lists runs newest first, and only the active ones when asked', async () => {
      const store = h.store();
      const s = (await store.scheduleCreate(newSchedule()))!;
      const r = await fire(store, s, [T0, T0 + S, T0 + 2 * S], T0 + 2 * S);
      const manual = await insertOne(
        store,
        { scheduleId: s.id, fireAt: null, type: 'scheduled.job' },
        T0 + 3 * S,
      );
      await store.taskAct(r.created[1]!.id, 'cancel', T0 + 3 * S, null);
      await insertOne(store, { type: 'unrelated' });
      const all = await store.scheduleRuns(s.id, { limit: 10 });
      expect(all.map((t) => t.id)).toEqual([manual.id, ...r.created.map((t) => t.id).reverse()]);
      expect((await store.scheduleRuns(s.id, { limit: 2 })).map((t) => t.id)).toEqual(
        all.slice(0, 2).map((t) => t.id),
      );
      const active = await store.scheduleRuns(s.id, { limit: 10, active: true });
      expect(active.map((t) => t.id).sort()).toEqual(
        [manual.id, r.created[0]!.id, r.created[2]!.id].sort(),
      );
    });
  });
}
