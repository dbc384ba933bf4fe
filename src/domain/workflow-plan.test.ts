import { describe, expect, it } from 'vitest';
import type { TaskState } from './task.js';
import { planCancel, planWorkflow, type StepTask } from './workflow-plan.js';
import type { FailurePolicy, StepCondition, Workflow } from './workflow.js';

function wf(
  steps: { id: string; dependsOn?: string[]; when?: StepCondition; undo?: boolean }[],
  onFailure: FailurePolicy = 'fail-fast',
  state: Workflow['state'] = 'running',
): Workflow {
  return {
    id: 'wf',
    name: 'wf',
    onFailure,
    state,
    steps: steps.map((s) => ({
      id: s.id,
      dependsOn: s.dependsOn ?? [],
      when: s.when ?? 'success',
      compensate: s.undo ? ({ type: 'undo' } as Workflow['steps'][number]['compensate']) : null,
    })),
    error: null,
    createdAt: 0,
    updatedAt: 0,
    finishedAt: null,
    version: 1,
  };
}

const tasks = (states: Record<string, TaskState>, onWorker: string[] = []) =>
  new Map<string, StepTask>(
    Object.entries(states).map(([id, state]) => [
      id,
      { id: `t-${id}`, state, onWorker: onWorker.includes(id), error: null },
    ]),
  );

describe('planWorkflow', () => {
  it('propagates skips through a chain in one plan (a fixed point)', () => {
    const w = wf(
      [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['b'] }],
      'continue',
    );
    const plan = planWorkflow(w, tasks({ a: 'failed', b: 'blocked', c: 'blocked' }), new Map());
    expect(plan.tasks.map((t) => [t.stepId, t.action])).toEqual([
      ['b', 'skip'],
      ['c', 'skip'],
    ]);
    expect(plan.workflow).toMatchObject({ state: 'failed', error: { stepId: 'a' } });
  });

  it('waits while a parent runs; `always` runs after a skipped parent', () => {
    const w = wf([
      { id: 'a' },
      { id: 'b', dependsOn: ['a'] },
      { id: 'c', dependsOn: ['b', 'x'], when: 'always' },
      { id: 'x' },
    ]);
    const running = planWorkflow(
      w,
      tasks({ a: 'running', b: 'blocked', c: 'blocked', x: 'succeeded' }),
      new Map(),
    );
    expect(running.tasks).toEqual([]);
    expect(running.workflow).toBeNull();
  });

  it('fail-fast stops everything not done: workers are asked to cancel, the rest is skipped', () => {
    const w = wf([{ id: 'a' }, { id: 'b' }, { id: 'c', dependsOn: ['a', 'b'] }]);
    const plan = planWorkflow(
      w,
      tasks({ a: 'failed', b: 'running', c: 'blocked' }, ['b']),
      new Map(),
    );
    expect(plan.tasks.map((t) => [t.stepId, t.action])).toEqual([
      ['b', 'stop'],
      ['c', 'stop'],
    ]);
    expect(plan.workflow?.state).toBe('failed');
  });

  it('compensate waits for running steps, then undoes the deepest succeeded step first', () => {
    const w = wf(
      [
        { id: 'a', undo: true },
        { id: 'b', dependsOn: ['a'], undo: true },
        { id: 'c', dependsOn: ['a'] },
      ],
      'compensate',
      'compensating',
    );
    expect(
      planWorkflow(w, tasks({ a: 'succeeded', b: 'succeeded', c: 'running' }, ['c']), new Map())
        .compensate,
    ).toEqual([]);
    const now = planWorkflow(w, tasks({ a: 'succeeded', b: 'succeeded', c: 'failed' }), new Map());
    expect(now.compensate).toEqual(['b']);
    const comps = tasks({ b: 'succeeded' });
    expect(
      planWorkflow(w, tasks({ a: 'succeeded', b: 'succeeded', c: 'failed' }), comps).compensate,
    ).toEqual(['a']);
    const done = planWorkflow(
      w,
      tasks({ a: 'succeeded', b: 'succeeded', c: 'failed' }),
      tasks({ a: 'succeeded', b: 'succeeded' }),
    );
    expect(done.workflow?.state).toBe('compensated');
  });

  it('plans nothing for an ended workflow, and cancel stops steps and compensations', () => {
    const ended = wf([{ id: 'a' }], 'fail-fast', 'succeeded');
    expect(planWorkflow(ended, tasks({ a: 'succeeded' }), new Map()).workflow).toBeNull();
    expect(planCancel(ended, tasks({ a: 'succeeded' }), new Map()).workflow).toBeNull();
    const w = wf([{ id: 'a', undo: true }, { id: 'b' }], 'compensate', 'compensating');
    const plan = planCancel(
      w,
      tasks({ a: 'succeeded', b: 'failed' }),
      tasks({ a: 'running' }, ['a']),
    );
    expect(plan.tasks).toEqual([{ taskId: 't-a', stepId: 'a', action: 'stop' }]);
    expect(plan.workflow?.state).toBe('cancelled');
  });
});
