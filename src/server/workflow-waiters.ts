import { isWorkflowTerminal, type Workflow } from '../domain/workflow.js';
import type { Store } from '../store/store.js';
import { ChangeWaiters } from './change-waiters.js';

/** Waits for workflows to end (`GET /workflows/:id/wait`). */
export class WorkflowWaiters extends ChangeWaiters<Workflow> {
  constructor(store: Store) {
    super(store, {
      read: (id) => store.workflowGet(id),
      isDone: (workflow) => isWorkflowTerminal(workflow.state),
      touched: (e) => (e.kind === 'workflows' ? e.ids : []),
    });
  }
}
