import type { NewTask, Task } from '../../domain/task.js';
import type { FailurePolicy, StepCondition, Workflow } from '../../domain/workflow.js';
import { newId } from '../../lib/ids.js';
import type { LeaderFence, Store } from '../store.js';
import { newTask, T0 } from './fixtures.js';

export interface StepFixture {
  id: string;
  dependsOn?: string[];
  when?: StepCondition;
  /** Give the step a compensation (type `test.undo`). */
  compensate?: boolean;
}

/** A workflow and its step tasks, as the server would compile them (one attempt per task). */
export function newWorkflow(
  steps: StepFixture[],
  onFailure: FailurePolicy = 'fail-fast',
  now: number = T0,
): { workflow: Workflow; steps: NewTask[] } {
  const id = newId(now);
  const once = { maxAttempts: 1 };
  return {
    workflow: {
      id,
      name: 'wf',
      onFailure,
      state: 'running',
      steps: steps.map((s) => ({
        id: s.id,
        dependsOn: s.dependsOn ?? [],
        when: s.when ?? 'success',
        compensate: s.compensate
          ? newTask({ ...once, type: 'test.undo', workflowId: id, stepId: s.id })
          : null,
      })),
      error: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
      version: 1,
    },
    steps: steps.map((s) =>
      newTask({
        ...once,
        type: `step.${s.id}`,
        workflowId: id,
        stepId: s.id,
        blocked: (s.dependsOn ?? []).length > 0,
      }),
    ),
  };
}

/** Create the workflow; returns its id. */
export async function createWorkflow(
  store: Store,
  steps: StepFixture[],
  onFailure: FailurePolicy = 'fail-fast',
  now: number = T0,
): Promise<string> {
  const wf = newWorkflow(steps, onFailure, now);
  await store.workflowCreate(wf.workflow, wf.steps, now);
  return wf.workflow.id;
}

/** The workflow's step tasks by step id (compensations under `undo:<step>`). */
export async function stepsOf(store: Store, workflowId: string): Promise<Map<string, Task>> {
  const out = new Map<string, Task>();
  for (const t of await store.workflowTasks(workflowId)) {
    out.set(t.flow.compensation ? `undo:${t.stepId}` : t.stepId!, t);
  }
  return out;
}

/** The states of a workflow's steps, as `{ step: state }`. */
export async function statesOf(store: Store, workflowId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, t] of await stepsOf(store, workflowId)) out[k] = t.state;
  return out;
}

/** Place a ready task on a worker and start it. */
export async function start(
  store: Store,
  fence: LeaderFence,
  task: Task,
  now: number,
  workerId = 'w1',
): Promise<Task> {
  const [assigned] = await store.taskAssign(fence, [{ taskId: task.id, workerId }], now);
  if (!assigned) throw new Error(`task ${task.id} (${task.state}) could not be assigned`);
  const [r] = await store.taskReport(
    [{ kind: 'started', taskId: assigned.id, attempt: assigned.attempt }],
    now,
    () => 0.5,
  );
  return r!.task!;
}

/** Run a ready task to the end: it succeeds with `result`, or fails (for good: one attempt). */
export async function finish(
  store: Store,
  fence: LeaderFence,
  task: Task,
  outcome: { result: unknown } | { error: string },
  now: number,
): Promise<Task> {
  const running = task.state === 'running' ? task : await start(store, fence, task, now);
  const [r] = await store.taskReport(
    [
      'result' in outcome
        ? {
            kind: 'succeeded',
            taskId: running.id,
            attempt: running.attempt,
            result: outcome.result,
          }
        : {
            kind: 'failed',
            taskId: running.id,
            attempt: running.attempt,
            error: { message: outcome.error },
            retryable: false,
          },
    ],
    now,
    () => 0.5,
  );
  if (!r?.accepted) throw new Error(`report on ${task.id} refused`);
  return r.task!;
}
