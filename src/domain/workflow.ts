import type { NewTask, TaskError } from './task.js';

/**
 * The workflow model: a DAG of steps, each a task. Steps wait `blocked` until their parents are
 * terminal; then their condition decides whether they run or are `skipped`.
 */

export const WORKFLOW_STATES = [
  'running',
  'succeeded',
  'failed',
  'compensating',
  'compensated',
  'cancelled',
] as const;
export type WorkflowState = (typeof WORKFLOW_STATES)[number];

export const TERMINAL_WORKFLOW_STATES: ReadonlySet<WorkflowState> = new Set([
  'succeeded',
  'failed',
  'compensated',
  'cancelled',
]);

export function isWorkflowTerminal(state: WorkflowState): boolean {
  return TERMINAL_WORKFLOW_STATES.has(state);
}

/**
 * When a step runs once its parents are terminal: `success` (default) when every parent
 * succeeded; `failure` when at least one parent failed or was cancelled; `always` in any case.
 */
export const STEP_CONDITIONS = ['success', 'failure', 'always'] as const;
export type StepCondition = (typeof STEP_CONDITIONS)[number];

/**
 * What an unhandled step failure does (a failure is handled when the failed step has a child
 * that runs `when: failure`):
 * - `fail-fast`: the workflow fails at once; running steps are cancelled, the rest skipped.
 * - `continue`: only the failed step's descendants are affected (through their conditions);
 *   the workflow fails once every step is done.
 * - `compensate`: like fail-fast, then the compensations of the steps that succeeded run in
 *   reverse dependency order.
 */
export const FAILURE_POLICIES = ['fail-fast', 'continue', 'compensate'] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

/** A step as stored with its workflow. Its task lives in the task table (workflowId, stepId). */
export interface WorkflowStep {
  id: string;
  dependsOn: string[];
  when: StepCondition;
  /** The compensation task, compiled at submission; null when the step has none. */
  compensate: NewTask | null;
}

export interface WorkflowError extends TaskError {
  /** The step whose failure decided the outcome. */
  stepId?: string;
}

export interface Workflow {
  id: string;
  name: string;
  onFailure: FailurePolicy;
  state: WorkflowState;
  steps: WorkflowStep[];
  error: WorkflowError | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /** Bumped on every change. */
  version: number;
}

/** The parents' step ids of each step, and the children of each. */
export interface StepGraph {
  parents: ReadonlyMap<string, readonly string[]>;
  children: ReadonlyMap<string, readonly string[]>;
  /** Step ids with every step after all of its parents. */
  order: readonly string[];
}

/** The graph of a valid (acyclic, closed) step list. */
export function stepGraph(steps: readonly { id: string; dependsOn: readonly string[] }[]) {
  const parents = new Map<string, readonly string[]>();
  const children = new Map<string, string[]>();
  for (const s of steps) {
    parents.set(s.id, s.dependsOn);
    children.set(s.id, []);
  }
  for (const s of steps) for (const p of s.dependsOn) children.get(p)?.push(s.id);
  const order: string[] = [];
  const indegree = new Map(steps.map((s) => [s.id, s.dependsOn.length]));
  const queue = steps.filter((s) => s.dependsOn.length === 0).map((s) => s.id);
  while (queue.length > 0) {
    const id = queue.shift()!;
    order.push(id);
    for (const c of children.get(id) ?? []) {
      const left = indegree.get(c)! - 1;
      indegree.set(c, left);
      if (left === 0) queue.push(c);
    }
  }
  return { parents, children, order } satisfies StepGraph;
}

/** Every step reachable from `id` through children (not `id` itself). */
export function descendants(graph: StepGraph, id: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...(graph.children.get(id) ?? [])];
  while (stack.length > 0) {
    const c = stack.pop()!;
    if (seen.has(c)) continue;
    seen.add(c);
    stack.push(...(graph.children.get(c) ?? []));
  }
  return seen;
}
