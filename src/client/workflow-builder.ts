import type { TaskSpec } from '../protocol/task-spec.js';
import {
  parseWorkflowSpec,
  type WorkflowSpec,
  type WorkflowStepSpec,
} from '../protocol/workflow-spec.js';
import { ChronoqValidationError } from './errors.js';

export interface StepOptions {
  /** Steps that must end first. */
  dependsOn?: string[];
  /** When the step runs once its parents ended (default `success`). */
  when?: WorkflowStepSpec['when'];
  /** The task that undoes this step, run by a `compensate` workflow that fails later. */
  compensate?: TaskSpec;
}

/**
 * Builds a workflow spec step by step:
 *
 *   const spec = workflow('order', { onFailure: 'compensate' })
 *     .step('reserve', { type: 'stock.reserve' }, { compensate: { type: 'stock.release' } })
 *     .step('charge', { type: 'card.charge' }, { dependsOn: ['reserve'] })
 *     .build();
 *   await client.workflows.run(spec);
 */
export class WorkflowBuilder {
  private readonly steps: WorkflowStepSpec[] = [];

  constructor(
    private readonly name: string,
    private readonly options: { onFailure?: WorkflowSpec['onFailure'] } = {},
  ) {}

  /** Add a step running `task`. */
  step(id: string, task: TaskSpec, options: StepOptions = {}): this {
    const step: WorkflowStepSpec = { id, task };
    if (options.dependsOn) step.dependsOn = options.dependsOn;
    if (options.when) step.when = options.when;
    if (options.compensate) step.compensate = options.compensate;
    this.steps.push(step);
    return this;
  }

  /** The spec, checked with the schema the API uses (cycles, unknown ids, each step's spec). */
  build(): WorkflowSpec {
    const spec: WorkflowSpec = { name: this.name, steps: [...this.steps] };
    if (this.options.onFailure) spec.onFailure = this.options.onFailure;
    try {
      parseWorkflowSpec(spec);
    } catch (err) {
      const e = err as { message: string; field?: string };
      throw new ChronoqValidationError(e.message, e.field);
    }
    return spec;
  }
}

/** Start building a workflow. */
export function workflow(
  name: string,
  options: { onFailure?: WorkflowSpec['onFailure'] } = {},
): WorkflowBuilder {
  return new WorkflowBuilder(name, options);
}
