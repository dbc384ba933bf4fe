import type { Task } from '../../domain/task.js';
import type { Workflow } from '../../domain/workflow.js';
import type { Store } from '../../store/store.js';

/**
 * What a workflow task's handler sees of the steps before it (`ctx.parents`): the results of its
 * parent steps, by step id. A fan-out child sees its parent step's parents; a compensation sees
 * the result of the step it undoes.
 */
export class ParentResults {
  /** Step definitions never change once stored, so they are kept (a few hundred at most). */
  private readonly workflows = new Map<string, Workflow>();

  constructor(private readonly store: Store) {}

  /** Whether `task` has parents to look up (most tasks do not: no read is needed). */
  static needed(task: Task): boolean {
    return task.stepId !== null && (task.workflowId !== null || task.parentId !== null);
  }

  async of(task: Task): Promise<Record<string, unknown>> {
    if (!ParentResults.needed(task)) return {};
    let step = task;
    if (task.parentId !== null) {
      const parent = await this.store.taskGet(task.parentId);
      if (!parent) return {};
      step = parent;
    }
    if (step.workflowId === null || step.stepId === null) return {};
    const wf = await this.workflow(step.workflowId);
    const def = wf?.steps.find((s) => s.id === step.stepId);
    if (!def) return {};
    const wanted = step.flow.compensation ? [def.id] : def.dependsOn;
    if (wanted.length === 0) return {};
    const tasks = await this.store.workflowTasks(step.workflowId);
    const out: Record<string, unknown> = {};
    for (const t of tasks) {
      if (t.stepId === null || t.flow.compensation || t.parentId !== null) continue;
      if (wanted.includes(t.stepId) && t.state === 'succeeded') out[t.stepId] = t.result ?? null;
    }
    return out;
  }

  private async workflow(id: string): Promise<Workflow | null> {
    const cached = this.workflows.get(id);
    if (cached) return cached;
    const wf = await this.store.workflowGet(id);
    if (wf) {
      if (this.workflows.size >= 500) this.workflows.delete(this.workflows.keys().next().value!);
      this.workflows.set(id, wf);
    }
    return wf;
  }
}
