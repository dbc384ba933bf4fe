/**
 * The Chronoq SDK: a typed client of the HTTP API, its errors, and the shared schemas and types.
 */
export { ChronoqClient, DEFAULT_URL } from './client.js';
export { Worker, type WorkerOptions, type WorkerTaint } from './worker.js';
export {
  PermanentError,
  SnoozeError,
  snooze,
  type Handler,
  type HandlerMap,
  type TaskContext,
} from '../worker/index.js';
export {
  ChronoqApiError,
  ChronoqNetworkError,
  ChronoqTimeoutError,
  ChronoqValidationError,
} from './errors.js';
export type { FetchLike } from './http.js';
export type {
  ChronoqClientOptions,
  FollowLogsOptions,
  HealthView,
  LogsOptions,
  SubmitOptions,
  TaskListOptions,
  WaitOptions,
} from './types.js';
export { parseEventStream, type ServerSentEvent } from './sse.js';
export { WorkflowClient, type WorkflowListOptions } from './workflows.js';
export { WorkflowBuilder, workflow, type StepOptions } from './workflow-builder.js';
export {
  workflowSpecSchema,
  parseWorkflowSpec,
  type WorkflowSpec,
  type WorkflowStepSpec,
} from '../protocol/workflow-spec.js';
export { readWorkflowText } from '../protocol/workflow-file.js';

export { taskSpecSchema, type TaskSpec } from '../protocol/task-spec.js';
export { queuePatchSchema, parseRate, type QueuePatch } from '../protocol/queue.js';
export { TASK_STATE_NAMES, type TaskListQuery } from '../protocol/queries.js';
export {
  schedulePatchSchema,
  scheduleSpecSchema,
  type SchedulePatch,
  type ScheduleSpec,
} from '../protocol/schedule.js';
export type {
  ScheduleDetailView,
  ScheduleView,
  TaskTemplateView,
} from '../protocol/schedule-views.js';
export { parseDuration, formatDuration } from '../protocol/duration.js';
export type { ErrorBody, ErrorCode } from '../protocol/errors.js';
export {
  ROLES,
  type AuditEntryView,
  type AuditPage,
  type CreatedTokenView,
  type Role,
  type TokenView,
} from '../protocol/auth.js';
export type {
  AttemptView,
  LogLineView,
  QueueView,
  TaskErrorView,
  TaskEventView,
  TaskPage,
  TaskStateName,
  TaskView,
  WantName,
  WorkerView,
  WorkflowPage,
  WorkflowStepView,
  WorkflowView,
} from '../protocol/views.js';
