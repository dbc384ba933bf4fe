import type { z } from 'zod';
import { auditQuerySchema, tokenCreateSchema, type RouteRole } from './auth.js';
import {
  idParamSchema,
  nameParamSchema,
  taskListQuerySchema,
  waitQuerySchema,
  logsQuerySchema,
} from './queries.js';
import { queuePatchSchema } from './queue.js';
import { SCHEDULE_ROUTES } from './schedule-routes.js';
import { taskBatchSchema, taskSpecSchema } from './task-spec.js';
import { workflowListQuerySchema, workflowSpecSchema } from './workflow-spec.js';

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Fastify-style path (`:id`), relative to the server root. */
  path: string;
  summary: string;
  tag: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Answers with server-sent events. */
  stream?: boolean;
  /**
   * The least role that may call the route, enforced by the server's one auth hook (401 without
   * a valid token, 403 below this role) and checked route by route by the auth-matrix test.
   * How to choose:
   * - `viewer`: reads (GET) that reveal no secret: tasks, queues, workers, schedules, events.
   * - `submitter`: creates work (submit tasks, start workflows).
   * - `operator`: acts on existing things: pause/resume/cancel/retry, queue and worker
   *   settings, schedule changes.
   * - `admin`: tokens, the audit log, anything that grants access.
   * - `worker`: the worker session only (admin may also use it).
   * - `public`: no token at all, even when auth is on (health checks, the dashboard's page).
   * Roles form a ladder viewer < submitter < operator < admin; `worker` stands apart.
   */
  role: RouteRole;
}

const V1 = '/api/v1';

/**
 * Every route the server serves. The OpenAPI document is generated from this list, and a test
 * checks that the server registers exactly these routes, so none can slip past the docs.
 */
export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: 'POST',
    path: `${V1}/tasks`,
    role: 'submitter',
    tag: 'tasks',
    summary: 'Submit a task (200 with the existing task when its idempotency key is known)',
    body: taskSpecSchema,
  },
  {
    method: 'POST',
    path: `${V1}/tasks/batch`,
    role: 'submitter',
    tag: 'tasks',
    summary: 'Submit tasks, all or nothing',
    body: taskBatchSchema,
  },
  {
    method: 'GET',
    path: `${V1}/tasks`,
    role: 'viewer',
    tag: 'tasks',
    summary: 'List tasks, newest first',
    query: taskListQuerySchema,
  },
  {
    method: 'GET',
    path: `${V1}/tasks/:id`,
    role: 'viewer',
    tag: 'tasks',
    summary: 'A task with its attempts and history',
    params: idParamSchema,
  },
  {
    method: 'POST',
    path: `${V1}/tasks/:id/cancel`,
    role: 'operator',
    tag: 'tasks',
    summary: 'Cancel a task (409 when its state does not allow it)',
    params: idParamSchema,
  },
  {
    method: 'POST',
    path: `${V1}/tasks/:id/pause`,
    role: 'operator',
    tag: 'tasks',
    summary: 'Pause a task, queued or running',
    params: idParamSchema,
  },
  {
    method: 'POST',
    path: `${V1}/tasks/:id/resume`,
    role: 'operator',
    tag: 'tasks',
    summary: 'Resume a paused task',
    params: idParamSchema,
  },
  {
    method: 'POST',
    path: `${V1}/tasks/:id/retry`,
    role: 'operator',
    tag: 'tasks',
    summary: 'Retry a failed or cancelled task with a fresh retry budget',
    params: idParamSchema,
  },
  {
    method: 'GET',
    path: `${V1}/tasks/:id/wait`,
    role: 'viewer',
    tag: 'tasks',
    summary: 'Answer once the task is terminal, or 408',
    params: idParamSchema,
    query: waitQuerySchema,
  },
  {
    method: 'GET',
    path: `${V1}/tasks/:id/logs`,
    role: 'viewer',
    tag: 'tasks',
    summary: 'Captured output; follow=1 streams it as server-sent events',
    params: idParamSchema,
    query: logsQuerySchema,
  },
  ...SCHEDULE_ROUTES,
  {
    method: 'POST',
    path: `${V1}/workflows`,
    role: 'submitter',
    tag: 'workflows',
    summary: 'Start a workflow (a DAG of steps); 400 names the step and field of a bad one',
    body: workflowSpecSchema,
  },
  {
    method: 'GET',
    path: `${V1}/workflows`,
    role: 'viewer',
    tag: 'workflows',
    summary: 'List workflows, newest first, each with its steps and edges',
    query: workflowListQuerySchema,
  },
  {
    method: 'GET',
    path: `${V1}/workflows/:id`,
    role: 'viewer',
    tag: 'workflows',
    summary: "A workflow with every step's state and the graph's edges",
    params: idParamSchema,
  },
  {
    method: 'GET',
    path: `${V1}/workflows/:id/wait`,
    role: 'viewer',
    tag: 'workflows',
    summary: 'Answer once the workflow has ended, or 408',
    params: idParamSchema,
    query: waitQuerySchema,
  },
  {
    method: 'POST',
    path: `${V1}/workflows/:id/cancel`,
    role: 'operator',
    tag: 'workflows',
    summary: 'Cancel a workflow: running steps are cancelled, the rest skipped (409 once ended)',
    params: idParamSchema,
  },
  {
    method: 'GET',
    path: `${V1}/queues`,
    role: 'viewer',
    tag: 'queues',
    summary: 'Queues with their settings and depth by state',
  },
  {
    method: 'GET',
    path: `${V1}/queues/:name`,
    role: 'viewer',
    tag: 'queues',
    summary: 'One queue',
    params: nameParamSchema,
  },
  {
    method: 'PATCH',
    path: `${V1}/queues/:name`,
    role: 'operator',
    tag: 'queues',
    summary: "Change (or create) a queue's settings",
    params: nameParamSchema,
    body: queuePatchSchema,
  },
  {
    method: 'POST',
    path: `${V1}/queues/:name/pause`,
    role: 'operator',
    tag: 'queues',
    summary: 'Pause a queue: nothing more of it is placed',
    params: nameParamSchema,
  },
  {
    method: 'POST',
    path: `${V1}/queues/:name/resume`,
    role: 'operator',
    tag: 'queues',
    summary: 'Resume a queue',
    params: nameParamSchema,
  },
  {
    method: 'GET',
    path: `${V1}/workers`,
    role: 'viewer',
    tag: 'workers',
    summary: 'Live and lost workers',
  },
  {
    method: 'POST',
    path: `${V1}/workers/:id/cordon`,
    role: 'operator',
    tag: 'workers',
    summary: 'Place nothing new on a worker',
    params: idParamSchema,
  },
  {
    method: 'POST',
    path: `${V1}/workers/:id/uncordon`,
    role: 'operator',
    tag: 'workers',
    summary: 'Undo cordon',
    params: idParamSchema,
  },
  {
    method: 'POST',
    path: `${V1}/workers/:id/drain`,
    role: 'operator',
    tag: 'workers',
    summary: 'Place nothing new; let running tasks finish',
    params: idParamSchema,
  },
  {
    method: 'GET',
    path: `${V1}/workers/connect`,
    role: 'worker',
    tag: 'workers',
    summary: 'The worker session (WebSocket upgrade; JSON messages of the worker protocol)',
    stream: true,
  },
  {
    method: 'GET',
    path: `${V1}/cluster`,
    role: 'viewer',
    tag: 'cluster',
    summary: 'Who leads and which replicas serve',
  },
  {
    method: 'GET',
    path: `${V1}/events`,
    role: 'viewer',
    tag: 'cluster',
    summary: 'Server-sent events of changes',
    stream: true,
  },
  {
    method: 'POST',
    path: `${V1}/tokens`,
    role: 'admin',
    tag: 'tokens',
    summary: 'Create an API token: the answer holds its secret, shown this once',
    body: tokenCreateSchema,
  },
  {
    method: 'GET',
    path: `${V1}/tokens`,
    role: 'admin',
    tag: 'tokens',
    summary: 'API tokens (never their secrets)',
  },
  {
    method: 'DELETE',
    path: `${V1}/tokens/:id`,
    role: 'admin',
    tag: 'tokens',
    summary: 'Revoke a token',
    params: idParamSchema,
  },
  {
    method: 'GET',
    path: `${V1}/audit`,
    role: 'admin',
    tag: 'tokens',
    summary: 'The audit log, newest first: who acted on tasks, queues, workers and tokens',
    query: auditQuerySchema,
  },
  {
    method: 'GET',
    path: `${V1}/openapi.json`,
    role: 'viewer',
    tag: 'meta',
    summary: 'This document',
  },
  {
    method: 'GET',
    path: '/',
    role: 'public',
    tag: 'dashboard',
    summary:
      'The web dashboard (a single-page app: its files and client routes are served outside /api; it asks for the token itself)',
  },
  {
    method: 'GET',
    path: '/metrics',
    role: 'viewer',
    tag: 'meta',
    summary: 'Prometheus metrics of this replica',
  },
  { method: 'GET', path: '/healthz', role: 'public', tag: 'meta', summary: 'The process is up' },
  {
    method: 'GET',
    path: '/readyz',
    role: 'public',
    tag: 'meta',
    summary: 'The store answers: ready to serve',
  },
];
