import { z } from 'zod';
import { dagProblems } from './dag.js';
import { ChronoqError } from './errors.js';
import { findInputIssue } from './input-guards.js';
import { taskSpecSchema } from './task-spec.js';
import { issueToError } from './validate.js';

/** Most steps of one workflow. */
export const MAX_STEPS = 1000;

export const STEP_CONDITION_NAMES = ['success', 'failure', 'always'] as const;
export const FAILURE_POLICY_NAMES = ['fail-fast', 'continue', 'compensate'] as const;
export const WORKFLOW_STATE_NAMES = [
  'running',
  'succeeded',
  'failed',
  'compensating',
  'compensated',
  'cancelled',
] as const;

export const stepIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[A-Za-z0-9_.:-]+$/, 'may hold letters, digits and _ . : - only');

export const workflowStepSchema = z.strictObject({
  id: stepIdSchema,
  dependsOn: z.array(stepIdSchema).max(MAX_STEPS).optional(),
  when: z.enum(STEP_CONDITION_NAMES).optional(),
  task: taskSpecSchema,
  compensate: taskSpecSchema.optional(),
});

/**
 * A workflow as submitted. One schema, shared by the API, the SDK and the CLI: besides each
 * step's spec it checks the graph (no cycle, no unknown or duplicate step id, at least one step).
 */
export const workflowSpecSchema = z
  .strictObject({
    name: z.string().min(1, 'must not be empty').max(200),
    onFailure: z.enum(FAILURE_POLICY_NAMES).optional(),
    steps: z.array(workflowStepSchema).max(MAX_STEPS, `must hold at most ${MAX_STEPS} steps`),
  })
  .superRefine((wf, ctx) => {
    for (const p of dagProblems(wf.steps)) {
      const path: (string | number)[] = p.index < 0 ? ['steps'] : ['steps', p.index];
      if (p.field) path.push(...p.field.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)));
      ctx.addIssue({ code: 'custom', message: p.message, path });
    }
  });

export type WorkflowSpec = z.input<typeof workflowSpecSchema>;
export type ParsedWorkflowSpec = z.output<typeof workflowSpecSchema>;
export type WorkflowStepSpec = z.input<typeof workflowStepSchema>;

/**
 * Validate a workflow, or throw a 400 that names the field and, inside a step, the step:
 * `steps.1.task.priority: step "charge": Invalid input: expected int`.
 */
export function parseWorkflowSpec(value: unknown): ParsedWorkflowSpec {
  const guard = findInputIssue(value);
  if (guard) throw new ChronoqError('invalid', guard.message, guard.field || undefined);
  const r = workflowSpecSchema.safeParse(value);
  if (r.success) return r.data;
  const e = issueToError(r.error);
  const [root, index] = r.error.issues[0]?.path ?? [];
  const steps = (value as { steps?: unknown } | null)?.steps;
  if (root === 'steps' && typeof index === 'number' && Array.isArray(steps)) {
    const id = (steps[index] as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && !e.message.includes(`"${id}"`)) {
      const at = e.message.indexOf(': ');
      const message =
        at >= 0
          ? `${e.message.slice(0, at)}: step "${id}": ${e.message.slice(at + 2)}`
          : `step "${id}": ${e.message}`;
      return throwInvalid(message, e.field);
    }
  }
  throw e;
}

function throwInvalid(message: string, field: string | undefined): never {
  throw new ChronoqError('invalid', message, field);
}

export const workflowListQuerySchema = z.strictObject({
  state: z.enum(WORKFLOW_STATE_NAMES).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().min(1).max(100).optional(),
});
