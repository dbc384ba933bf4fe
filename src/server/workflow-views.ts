import type { Task, TaskState } from '../domain/task.js';
import type { Workflow } from '../domain/workflow.js';
import type { WorkflowStepView, WorkflowView } from '../protocol/views.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** A workflow with every step's state and the graph's edges, as the API answers it. */
export function toWorkflowView(wf: Workflow, tasks: readonly Task[]): WorkflowView {
  const step = new Map<string, Task>();
  const comp = new Map<string, Task>();
  for (const t of tasks) {
    if (t.stepId === null || t.parentId !== null) continue;
    (t.flow.compensation ? comp : step).set(t.stepId, t);
  }
  const counts: Partial<Record<TaskState, number>> = {};
  const steps = wf.steps.map((s): WorkflowStepView => {
    const t = step.get(s.id);
    const c = comp.get(s.id);
    if (t) counts[t.state] = (counts[t.state] ?? 0) + 1;
    return {
      id: s.id,
      dependsOn: s.dependsOn,
      when: s.when,
      taskId: t?.id ?? null,
      state: t?.state ?? null,
      compensation: c ? { taskId: c.id, state: c.state } : null,
      hasCompensation: s.compensate !== null,
    };
  });
  return {
    id: wf.id,
    name: wf.name,
    state: wf.state,
    onFailure: wf.onFailure,
    error: wf.error,
    createdAt: iso(wf.createdAt),
    updatedAt: iso(wf.updatedAt),
    finishedAt: wf.finishedAt === null ? null : iso(wf.finishedAt),
    steps,
    edges: wf.steps.flatMap((s) => s.dependsOn.map((p): [string, string] => [p, s.id])),
    counts,
  };
}
