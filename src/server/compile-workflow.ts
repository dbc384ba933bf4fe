import type { NewTask } from '../domain/task.js';
import type { Workflow } from '../domain/workflow.js';
import { newId } from '../lib/ids.js';
import type { ParsedWorkflowSpec } from '../protocol/workflow-spec.js';
import { compileSpec, DEFAULT_QUEUE } from './compile-spec.js';
import type { QueueCache } from './queue-cache.js';

/**
 * A validated workflow → the workflow to store and its step tasks: root steps ready (or
 * pending when delayed), the others blocked on their parents. Compensations are compiled now,
 * with their queue's defaults, and kept with the workflow until a saga starts them.
 */
export async function compileWorkflow(
  spec: ParsedWorkflowSpec,
  queues: QueueCache,
  now: number,
): Promise<{ workflow: Workflow; steps: NewTask[] }> {
  const id = newId(now);
  const steps: NewTask[] = [];
  const defs: Workflow['steps'] = [];
  for (const s of spec.steps) {
    const dependsOn = s.dependsOn ?? [];
    const queue = await queues.get(s.task.queue ?? DEFAULT_QUEUE);
    steps.push(
      compileSpec(s.task, queue, now, {
        workflowId: id,
        stepId: s.id,
        blocked: dependsOn.length > 0,
      }),
    );
    const comp = s.compensate
      ? compileSpec(s.compensate, await queues.get(s.compensate.queue ?? DEFAULT_QUEUE), now, {
          workflowId: id,
          stepId: s.id,
          compensation: true,
        })
      : null;
    defs.push({ id: s.id, dependsOn, when: s.when ?? 'success', compensate: comp });
  }
  const workflow: Workflow = {
    id,
    name: spec.name,
    onFailure: spec.onFailure ?? 'fail-fast',
    state: 'running',
    steps: defs,
    error: null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
    version: 1,
  };
  return { workflow, steps };
}
