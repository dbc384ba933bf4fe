import { describe, expect, it } from 'vitest';
import { isTerminal } from '../../domain/task.js';
import type { Harness } from './harness.js';
import { lead, T0 } from './fixtures.js';
import { createWorkflow, finish, start, statesOf, stepsOf } from './workflow-fixtures.js';

const DIAMOND = [
  { id: 'a' },
  { id: 'b', dependsOn: ['a'] },
  { id: 'c', dependsOn: ['a'] },
  { id: 'd', dependsOn: ['b', 'c'] },
];

export function describeWorkflows(h: Harness): void {
  describe('workflows', () => {
    it('stores a workflow with roots ready and the other steps blocked', async () => {
      const store = h.store();
      const id = await createWorkflow(store, DIAMOND);
      expect(await statesOf(store, id)).toEqual({
        a: 'ready',
        b: 'blocked',
        c: 'blocked',
        d: 'blocked',
      });
      const wf = await store.workflowGet(id);
      expect(wf?.state).toBe('running');
      expect(wf?.steps.map((s) => [s.id, s.dependsOn])).toEqual([
        ['a', []],
        ['b', ['a']],
        ['c', ['a']],
        ['d', ['b', 'c']],
      ]);
      const page = await store.taskList({ workflowId: id, limit: 10 });
      expect(page.tasks).toHaveLength(4);
      expect(h.events().some((e) => e.kind === 'workflows' && e.ids.includes(id))).toBe(true);
    });

    it('runs a diamond: a step is unblocked in the write that ends its last parent', async () => {
      const store = h.store();
      const fence = await lead(store);
      const id = await createWorkflow(store, DIAMOND);
      let s = await stepsOf(store, id);
      await finish(store, fence, s.get('a')!, { result: 1 }, T0 + 1);
      expect(await statesOf(store, id)).toMatchObject({ b: 'ready', c: 'ready', d: 'blocked' });
      s = await stepsOf(store, id);
      await finish(store, fence, s.get('b')!, { result: 2 }, T0 + 2);
      expect((await statesOf(store, id)).d).toBe('blocked');
      const c = await start(store, fence, s.get('c')!, T0 + 3);
      h.clearEvents();
      await finish(store, fence, c, { result: 3 }, T0 + 3);
      // One write, one event: c succeeded and d became ready together.
      const batches = h.events().filter((e) => e.kind === 'tasks');
      expect(batches).toHaveLength(1);
      const changes = batches[0]!.kind === 'tasks' ? batches[0]!.changes : [];
      expect(changes.map((c) => [c.id, c.state])).toEqual([
        [s.get('c')!.id, 'succeeded'],
        [s.get('d')!.id, 'ready'],
      ]);
      s = await stepsOf(store, id);
      await finish(store, fence, s.get('d')!, { result: 4 }, T0 + 4);
      const wf = await store.workflowGet(id);
      expect(wf?.state).toBe('succeeded');
      expect(wf?.finishedAt).toBe(T0 + 4);
    });

    it('follows conditions: failure branches run, success branches and their children skip', async () => {
      const store = h.store();
      const fence = await lead(store);
      const id = await createWorkflow(store, [
        { id: 'a' },
        { id: 'ok', dependsOn: ['a'] },
        { id: 'after-ok', dependsOn: ['ok'] },
        { id: 'on-fail', dependsOn: ['a'], when: 'failure' },
        { id: 'cleanup', dependsOn: ['a'], when: 'always' },
      ]);
      const s = await stepsOf(store, id);
      await finish(store, fence, s.get('a')!, { error: 'boom' }, T0 + 1);
      expect(await statesOf(store, id)).toEqual({
        a: 'failed',
        ok: 'skipped',
        'after-ok': 'skipped',
        'on-fail': 'ready',
        cleanup: 'ready',
      });
      const after = await stepsOf(store, id);
      await finish(store, fence, after.get('on-fail')!, { result: 'handled' }, T0 + 2);
      await finish(store, fence, after.get('cleanup')!, { result: 'clean' }, T0 + 3);
      // The failure had a handler, so the workflow succeeds.
      expect((await store.workflowGet(id))?.state).toBe('succeeded');
    });

    it('skips failure branches when every parent succeeds', async () => {
      const store = h.store();
      const fence = await lead(store);
      const id = await createWorkflow(store, [
        { id: 'a' },
        { id: 'ok', dependsOn: ['a'] },
        { id: 'on-fail', dependsOn: ['a'], when: 'failure' },
      ]);
      const s = await stepsOf(store, id);
      await finish(store, fence, s.get('a')!, { result: 1 }, T0 + 1);
      expect(await statesOf(store, id)).toEqual({
        a: 'succeeded',
        ok: 'ready',
        'on-fail': 'skipped',
      });
    });

    it('fail-fast: an unhandled failure fails the workflow, cancels running steps, skips the rest', async () => {
      const store = h.store();
      const fence = await lead(store);
      const id = await createWorkflow(store, [
        { id: 'x' },
        { id: 'y' },
        { id: 'z', dependsOn: ['x', 'y'] },
      ]);
      const s = await stepsOf(store, id);
      const y = await start(store, fence, s.get('y')!, T0 + 1);
      await finish(store, fence, s.get('x')!, { error: 'bad input' }, T0 + 2);
      const wf = await store.workflowGet(id);
      expect(wf?.state).toBe('failed');
      expect(wf?.error).toMatchObject({
        stepId: 'x',
        message: expect.stringContaining('bad input'),
      });
      const after = await stepsOf(store, id);
      expect(after.get('y')).toMatchObject({ state: 'running', want: 'cancel' });
      expect(after.get('z')?.state).toBe('skipped');
      await store.taskReport(
        [{ kind: 'cancelled', taskId: y.id, attempt: y.attempt }],
        T0 + 3,
        () => 0.5,
      );
      expect((await stepsOf(store, id)).get('y')?.state).toBe('cancelled');
      expect((await store.workflowGet(id))?.state).toBe('failed');
    });

    it('continue: independent branches finish, then the workflow fails', async () => {
      const store = h.store();
      const fence = await lead(store);
      const id = await createWorkflow(
        store,
        [{ id: 'x' }, { id: 'x2', dependsOn: ['x'] }, { id: 'y' }, { id: 'y2', dependsOn: ['y'] }],
        'continue',
      );
      let s = await stepsOf(store, id);
      await finish(store, fence, s.get('x')!, { error: 'no' }, T0 + 1);
      expect(await statesOf(store, id)).toMatchObject({ x2: 'skipped', y: 'ready' });
      expect((await store.workflowGet(id))?.state).toBe('running');
      await finish(store, fence, s.get('y')!, { result: 1 }, T0 + 2);
      s = await stepsOf(store, id);
      await finish(store, fence, s.get('y2')!, { result: 2 }, T0 + 3);
      expect(await store.workflowGet(id)).toMatchObject({
        state: 'failed',
        error: { stepId: 'x' },
      });
    });

    it('compensate: the compensations of succeeded steps run in reverse dependency order', async () => {
      const store = h.store();
      const fence = await lead(store);
      const id = await createWorkflow(
        store,
        [
          { id: 'reserve', compensate: true },
          { id: 'charge', dependsOn: ['reserve'], compensate: true },
          { id: 'notify', dependsOn: ['reserve'] },
          { id: 'ship', dependsOn: ['charge', 'notify'], compensate: true },
        ],
        'compensate',
      );
      let s = await stepsOf(store, id);
      await finish(store, fence, s.get('reserve')!, { result: 'r' }, T0 + 1);
      s = await stepsOf(store, id);
      await finish(store, fence, s.get('charge')!, { result: 'c' }, T0 + 2);
      await finish(store, fence, s.get('notify')!, { result: 'n' }, T0 + 3);
      s = await stepsOf(store, id);
      await finish(store, fence, s.get('ship')!, { error: 'no truck' }, T0 + 4);
      // ship failed (nothing to undo); charge is undone first, reserve only after it.
      expect((await store.workflowGet(id))?.state).toBe('compensating');
      s = await stepsOf(store, id);
      expect(s.has('undo:ship')).toBe(false);
      expect(s.get('undo:charge')?.state).toBe('ready');
      expect(s.has('undo:reserve')).toBe(false);
      expect(s.get('undo:charge')).toMatchObject({ type: 'test.undo', workflowId: id });
      await finish(store, fence, s.get('undo:charge')!, { result: 'refunded' }, T0 + 5);
      s = await stepsOf(store, id);
      expect(s.get('undo:reserve')?.state).toBe('ready');
      await finish(store, fence, s.get('undo:reserve')!, { result: 'released' }, T0 + 6);
      const wf = await store.workflowGet(id);
      expect(wf).toMatchObject({
        state: 'compensated',
        finishedAt: T0 + 6,
        error: { stepId: 'ship' },
      });
      s = await stepsOf(store, id);
      expect(s.get('undo:charge')!.finishedAt!).toBeLessThan(s.get('undo:reserve')!.createdAt + 1);
    });

    it('compensate: a compensation that fails leaves the workflow failed, and the others still run', async () => {
      const store = h.store();
      const fence = await lead(store);
      const id = await createWorkflow(
        store,
        [
          { id: 'a', compensate: true },
          { id: 'b', dependsOn: ['a'], compensate: true },
          { id: 'c', dependsOn: ['b'] },
        ],
        'compensate',
      );
      let s = await stepsOf(store, id);
      await finish(store, fence, s.get('a')!, { result: 1 }, T0 + 1);
      s = await stepsOf(store, id);
      await finish(store, fence, s.get('b')!, { result: 2 }, T0 + 2);
      s = await stepsOf(store, id);
      await finish(store, fence, s.get('c')!, { error: 'x' }, T0 + 3);
      s = await stepsOf(store, id);
      await finish(store, fence, s.get('undo:b')!, { error: 'cannot undo' }, T0 + 4);
      s = await stepsOf(store, id);
      await finish(store, fence, s.get('undo:a')!, { result: 'ok' }, T0 + 5);
      expect(await store.workflowGet(id)).toMatchObject({
        state: 'failed',
        error: { stepId: 'b', message: expect.stringContaining('cannot undo') },
      });
    });

    it('cancel: running steps are asked to cancel, the rest are skipped; a second cancel conflicts', async () => {
      const store = h.store();
      const fence = await lead(store);
      const id = await createWorkflow(store, [
        { id: 'a' },
        { id: 'b' },
        { id: 'c', dependsOn: ['a', 'b'] },
      ]);
      const s = await stepsOf(store, id);
      await start(store, fence, s.get('a')!, T0 + 1);
      const res = await store.workflowCancel(id, T0 + 2, 'alice');
      expect(res.ok && res.workflow.state).toBe('cancelled');
      const after = await stepsOf(store, id);
      expect(after.get('a')).toMatchObject({ state: 'running', want: 'cancel' });
      expect(after.get('b')?.state).toBe('skipped');
      expect(after.get('c')?.state).toBe('skipped');
      const events = await store.taskEvents(after.get('b')!.id);
      expect(events.at(-1)).toMatchObject({ kind: 'stop', actor: 'alice', to: 'skipped' });
      expect(await store.workflowCancel(id, T0 + 3, null)).toMatchObject({
        ok: false,
        code: 'conflict',
      });
      expect(await store.workflowCancel('nope', T0 + 3, null)).toMatchObject({
        ok: false,
        code: 'not_found',
      });
    });

    it('lists workflows newest first, by state, with a cursor', async () => {
      const store = h.store();
      const ids = [];
      for (let i = 0; i < 3; i++)
        ids.push(await createWorkflow(store, [{ id: 'a' }], 'fail-fast', T0 + i));
      await store.workflowCancel(ids[1]!, T0 + 10, null);
      const first = await store.workflowList({ limit: 2 });
      expect(first.workflows.map((w) => w.id)).toEqual([ids[2], ids[1]]);
      const rest = await store.workflowList({ limit: 2, cursor: first.nextCursor! });
      expect(rest.workflows.map((w) => w.id)).toEqual([ids[0]]);
      expect(rest.nextCursor).toBeNull();
      const cancelled = await store.workflowList({ limit: 10, state: 'cancelled' });
      expect(cancelled.workflows.map((w) => w.id)).toEqual([ids[1]]);
    });

    it('property: over random DAGs and outcomes, no step starts before its parents are done', async () => {
      const store = h.store();
      const fence = await lead(store);
      const random = mulberry32(0xc0ffee);
      for (let round = 0; round < 12; round++) {
        const n = 2 + Math.floor(random() * 9);
        const steps = Array.from({ length: n }, (_, i) => {
          const dependsOn = Array.from({ length: i }, (_, j) => `s${j}`).filter(
            () => random() < 0.35,
          );
          const pick = random();
          const when =
            dependsOn.length === 0
              ? 'success'
              : pick < 0.7
                ? 'success'
                : pick < 0.85
                  ? 'failure'
                  : 'always';
          return { id: `s${i}`, dependsOn, when } as const;
        });
        const policy = (['fail-fast', 'continue', 'compensate'] as const)[round % 3]!;
        const id = await createWorkflow(store, steps, policy, T0 + round * 1000);
        let now = T0 + round * 1000;
        for (let guard = 0; guard < 100; guard++) {
          const tasks = await stepsOf(store, id);
          const ready = [...tasks.entries()].filter(
            ([k, t]) => !k.startsWith('undo:') && t.state === 'ready',
          );
          if (ready.length === 0) break;
          const [stepId, task] = ready[Math.floor(random() * ready.length)]!;
          // Every parent has ended when a step may start, and it starts after they ended.
          const parents = steps.find((x) => x.id === stepId)!.dependsOn.map((p) => tasks.get(p)!);
          for (const p of parents) {
            expect(isTerminal(p.state), `${stepId} ready before ${p.stepId} ended`).toBe(true);
            expect(p.finishedAt).not.toBeNull();
          }
          now += 1;
          const outcome = random() < 0.75 ? { result: stepId } : { error: 'e' };
          const done = await finish(store, fence, task, outcome, now);
          expect(done.startedAt!).toBeGreaterThanOrEqual(
            Math.max(0, ...parents.map((p) => p.finishedAt!)),
          );
        }
        const final = await stepsOf(store, id);
        const wf = await store.workflowGet(id);
        // Everything ended, and (where nothing stops the workflow) skips follow the conditions.
        for (const s of steps) {
          const t = final.get(s.id)!;
          expect(isTerminal(t.state), `${s.id} is ${t.state}`).toBe(true);
          if (policy !== 'continue' || t.state !== 'skipped') continue;
          const parents = s.dependsOn.map((p) => final.get(p)!.state);
          if (s.when === 'success') expect(parents.some((p) => p !== 'succeeded')).toBe(true);
          if (s.when === 'failure') expect(parents.some((p) => p === 'failed')).toBe(false);
          expect(s.when).not.toBe('always');
        }
        expect(['succeeded', 'failed', 'compensated']).toContain(wf?.state);
      }
    });
  });
}

/** A small seeded random number generator, so the property test is the same every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
