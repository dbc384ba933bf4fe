import { planFanIn } from '../../domain/fanout.js';
import {
  decideFanIn,
  decideSkip,
  decideStop,
  decideUnblock,
  type Decision,
} from '../../domain/state-machine.js';
import { ON_WORKER_STATES, type NewTask, type Task } from '../../domain/task.js';
import type { StepTask, WorkflowPlan } from '../../domain/workflow-plan.js';
import type { Workflow } from '../../domain/workflow.js';

/**
 * Shared by the drivers: turning a workflow plan or a fan-in into task decisions and inserts.
 * The drivers load and lock the rows, call these, and write the result in the transaction of
 * the change that called for it.
 */

/** A decision on a task the flow changes, with the history entry to record. */
export interface FlowChange {
  task: Task;
  decision: Decision;
  kind: string;
  detail: Record<string, unknown> | null;
}

export interface FlowResult {
  changes: FlowChange[];
  inserts: NewTask[];
  /** The workflow after the plan, when it changed. */
  workflow: Workflow | null;
}

function view(t: Task): StepTask {
  return {
    id: t.id,
    state: t.state,
    onWorker: t.workerId !== null && ON_WORKER_STATES.has(t.state),
    error: t.error,
  };
}

/** A workflow's step tasks and compensation tasks, by step id, as planning sees them. */
export function stepTasks(tasks: readonly Task[]): {
  steps: Map<string, StepTask>;
  comps: Map<string, StepTask>;
} {
  const steps = new Map<string, StepTask>();
  const comps = new Map<string, StepTask>();
  for (const t of tasks) {
    if (t.stepId === null || t.parentId !== null) continue;
    (t.flow.compensation ? comps : steps).set(t.stepId, view(t));
  }
  return { steps, comps };
}

/** The decisions, compensation tasks and workflow update of a plan. */
export function resolvePlan(
  wf: Workflow,
  tasks: readonly Task[],
  plan: WorkflowPlan,
  now: number,
): FlowResult {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const changes: FlowChange[] = [];
  for (const { taskId, stepId, action } of plan.tasks) {
    const task = byId.get(taskId);
    if (!task) continue;
    const decision =
      action === 'unblock'
        ? decideUnblock(task, now)
        : action === 'skip'
          ? decideSkip(task, now)
          : decideStop(task, now);
    if (!decision.ok) continue;
    changes.push({ task, decision, kind: action, detail: { workflowId: wf.id, stepId } });
  }
  const inserts: NewTask[] = [];
  for (const stepId of plan.compensate) {
    const template = wf.steps.find((s) => s.id === stepId)?.compensate;
    if (!template) continue;
    inserts.push({
      ...template,
      runAt: null,
      workflowId: wf.id,
      stepId,
      parentId: null,
      flow: { ...template.flow, compensation: true },
      blocked: false,
    });
  }
  const workflow: Workflow | null = plan.workflow
    ? {
        ...wf,
        state: plan.workflow.state,
        error: plan.workflow.error,
        updatedAt: now,
        finishedAt: ['running', 'compensating'].includes(plan.workflow.state) ? null : now,
        version: wf.version + 1,
      }
    : null;
  return { changes, inserts, workflow };
}

/** How a fan-out parent and its children move, given the children's states. */
export function resolveFanIn(parent: Task, children: readonly Task[], now: number): FlowChange[] {
  const plan = planFanIn(parent, children);
  const changes: FlowChange[] = [];
  const byId = new Map(children.map((c) => [c.id, c]));
  for (const id of plan.stop) {
    const child = byId.get(id)!;
    const decision = decideStop(child, now);
    if (decision.ok)
      changes.push({ task: child, decision, kind: 'stop', detail: { parentId: parent.id } });
  }
  if (plan.outcome) {
    const decision = decideFanIn(parent, plan.outcome, now);
    if (decision.ok) {
      changes.push({
        task: parent,
        decision,
        kind: plan.outcome.ok ? 'succeeded' : 'failed',
        detail: { children: children.length },
      });
    }
  }
  return changes;
}

/** Whether a task just written calls for flow work: a step or child ending, a fan-out ending. */
export function flowKeys(task: Task): { workflowId: string | null; parentId: string | null } {
  return { workflowId: task.workflowId, parentId: task.parentId };
}
