import { isTerminal, type TaskError, type TaskState } from './task.js';
import {
  descendants,
  isWorkflowTerminal,
  stepGraph,
  type StepCondition,
  type StepGraph,
  type Workflow,
  type WorkflowError,
  type WorkflowState,
} from './workflow.js';

/** What planning needs to know of a step's (or a compensation's) task. */
export interface StepTask {
  id: string;
  state: TaskState;
  /** Held by a worker: stopping it means asking the worker to cancel. */
  onWorker: boolean;
  error: TaskError | null;
}

/**
 * `unblock`: parents done and the condition holds. `skip`: the condition does not hold.
 * `stop`: the workflow stops: cancel the task if a worker holds it, else skip it.
 */
export type StepAction = 'unblock' | 'skip' | 'stop';

export interface WorkflowPlan {
  tasks: { taskId: string; stepId: string; action: StepAction }[];
  /** Steps whose compensation starts now. */
  compensate: string[];
  /** The workflow's new state, when it changes. */
  workflow: { state: WorkflowState; error: WorkflowError | null } | null;
}

const FAILED: ReadonlySet<TaskState> = new Set(['failed', 'cancelled']);

/** Whether a step whose parents are all terminal runs. */
export function conditionHolds(when: StepCondition, parents: readonly TaskState[]): boolean {
  switch (when) {
    case 'success':
      return parents.every((s) => s === 'succeeded');
    case 'failure':
      return parents.some((s) => FAILED.has(s));
    case 'always':
      return true;
  }
}

/**
 * The next moves of a workflow, from its steps' tasks: a pure function, so the store can apply
 * it in the same transaction as the task change that called for it. Calling it again on the
 * result plans nothing more (it computes the fixed point: skips propagate in one plan).
 */
export function planWorkflow(
  wf: Workflow,
  steps: ReadonlyMap<string, StepTask>,
  comps: ReadonlyMap<string, StepTask>,
): WorkflowPlan {
  const plan: WorkflowPlan = { tasks: [], compensate: [], workflow: null };
  if (isWorkflowTerminal(wf.state)) return plan;
  const graph = stepGraph(wf.steps);
  const when = new Map(wf.steps.map((s) => [s.id, s.when]));
  const state = new Map<string, TaskState>();
  for (const s of wf.steps) state.set(s.id, stepTask(steps, s.id).state);
  let next: WorkflowState = wf.state;
  let error = wf.error;

  if (next === 'running') {
    const failed = unhandledFailures(graph, when, state);
    if (failed.length > 0 && wf.onFailure !== 'continue') {
      for (const s of wf.steps) {
        const t = stepTask(steps, s.id);
        if (isTerminal(t.state)) continue;
        plan.tasks.push({ taskId: t.id, stepId: s.id, action: 'stop' });
        if (!t.onWorker) state.set(s.id, t.state === 'running' ? 'cancelled' : 'skipped');
      }
      error = failureError(failed[0]!, stepTask(steps, failed[0]!).error);
      next = wf.onFailure === 'fail-fast' ? 'failed' : 'compensating';
    } else {
      for (const id of graph.order) {
        if (state.get(id) !== 'blocked') continue;
        const parentStates = graph.parents.get(id)!.map((p) => state.get(p)!);
        if (!parentStates.every(isTerminal)) continue;
        const run = conditionHolds(when.get(id)!, parentStates);
        plan.tasks.push({
          taskId: stepTask(steps, id).id,
          stepId: id,
          action: run ? 'unblock' : 'skip',
        });
        state.set(id, run ? 'ready' : 'skipped');
      }
      if ([...state.values()].every(isTerminal)) {
        if (failed.length > 0) {
          next = 'failed';
          error = failureError(failed[0]!, stepTask(steps, failed[0]!).error);
        } else next = 'succeeded';
      }
    }
  }

  if (next === 'compensating' && [...state.values()].every(isTerminal)) {
    const done = wf.steps
      .filter((s) => s.compensate !== null && state.get(s.id) === 'succeeded')
      .map((s) => s.id);
    const doneSet = new Set(done);
    for (const id of done) {
      if (comps.has(id)) continue;
      const after = [...descendants(graph, id)].filter((d) => doneSet.has(d));
      if (after.every((d) => comps.has(d) && isTerminal(comps.get(d)!.state))) {
        plan.compensate.push(id);
      }
    }
    const finished = done.every((id) => comps.has(id) && isTerminal(comps.get(id)!.state));
    if (plan.compensate.length === 0 && finished) {
      const bad = done.find((id) => comps.get(id)!.state !== 'succeeded');
      if (bad === undefined) next = 'compensated';
      else {
        next = 'failed';
        const e = comps.get(bad)!.error;
        error = {
          message: `the compensation of step "${bad}" did not succeed${e ? `: ${e.message}` : ''}`,
          stepId: bad,
          cause: error,
        };
      }
    }
  }

  if (next !== wf.state) plan.workflow = { state: next, error };
  return plan;
}

/** Cancel a workflow: stop every step and compensation that is not done. */
export function planCancel(
  wf: Workflow,
  steps: ReadonlyMap<string, StepTask>,
  comps: ReadonlyMap<string, StepTask>,
): WorkflowPlan {
  const plan: WorkflowPlan = { tasks: [], compensate: [], workflow: null };
  if (isWorkflowTerminal(wf.state)) return plan;
  for (const [stepId, t] of [...steps, ...comps]) {
    if (!isTerminal(t.state)) plan.tasks.push({ taskId: t.id, stepId, action: 'stop' });
  }
  plan.workflow = { state: 'cancelled', error: wf.error };
  return plan;
}

/** Failed (or cancelled) steps that no child handles with `when: failure`. */
function unhandledFailures(
  graph: StepGraph,
  when: ReadonlyMap<string, StepCondition>,
  state: ReadonlyMap<string, TaskState>,
): string[] {
  return graph.order.filter(
    (id) =>
      FAILED.has(state.get(id)!) && !graph.children.get(id)!.some((c) => when.get(c) === 'failure'),
  );
}

function failureError(stepId: string, error: TaskError | null): WorkflowError {
  return {
    message: `step "${stepId}" did not succeed${error ? `: ${error.message}` : ''}`,
    stepId,
  };
}

function stepTask(steps: ReadonlyMap<string, StepTask>, id: string): StepTask {
  const t = steps.get(id);
  if (!t) throw new Error(`workflow step ${id} has no task`);
  return t;
}
