import type { OperatorAction, Report } from '../domain/state-machine.js';
import type { Assignment } from '../domain/placement.js';
import type { HeldTask, HeldTotals } from '../domain/held.js';
import type { QueueSettings } from '../domain/queue.js';
import type { Schedule, SchedulePosition } from '../domain/schedule.js';
import type { Attempt, NewTask, Task, TaskEvent, TaskState, Want } from '../domain/task.js';
import type { WorkerRecord } from '../domain/worker.js';
import type { Workflow, WorkflowState } from '../domain/workflow.js';

/**
 * The one storage boundary. Drivers: `sqlite` (embedded) and `postgres` (cluster). Both pass
 * the conformance suite in `conformance.ts`. Times are epoch milliseconds, passed in by the
 * caller; drivers never read the clock for anything that decides behaviour.
 *
 * Methods marked "leader" take the leader's fence and change nothing unless that fence is
 * the current lease (name, holder and token), so a deposed leader's writes are refused.
 */
export interface Store {
  readonly driver: 'sqlite' | 'postgres';

  /** Create or upgrade the schema (numbered, append-only migrations). Idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Change events, delivered after the change is committed. Returns an unsubscribe function. */
  subscribe(listener: (event: ChangeEvent) => void): () => void;

  // -- Submission ------------------------------------------------------------------------------

  /**
   * Insert tasks in one transaction: all or none. A task whose (queue, idempotencyKey) is
   * already stored is not inserted; the stored task is returned with `created: false`.
   */
  taskInsert(tasks: NewTask[], now: number): Promise<InsertResult[]>;

  // -- Reading ---------------------------------------------------------------------------------

  taskGet(id: string): Promise<Task | null>;
  /** Newest first; `nextCursor` continues the listing. */
  taskList(filter: TaskFilter): Promise<TaskListPage>;
  /** Every attempt, oldest first, including the one in progress. */
  taskAttempts(id: string): Promise<Attempt[]>;
  /** The task's history (submit, operator actions, failures, outcome), oldest first. */
  taskEvents(id: string): Promise<TaskEvent[]>;
  /**
   * Add notes to tasks' history without changing them (e.g. why the leader cannot place a task).
   * Notes about tasks that do not exist are dropped.
   */
  taskNote(notes: TaskNote[], now: number): Promise<void>;
  /**
   * Number of tasks per queue and state (only `queue`'s when given), from counters kept on every
   * task write: O(queues × states), however many tasks are stored. Pairs at 0 are left out.
   */
  taskCounts(queue?: string): Promise<Map<string, Partial<Record<TaskState, number>>>>;
  /**
   * Fold the count changes pending since the last fold into the counters; returns how many
   * changes were folded. Postgres keeps per-statement deltas (concurrent writers never wait on a
   * shared counter row), folded by the store itself in the background and by reads that find
   * many; exact with or without a fold. SQLite's counters are exact at once: always 0.
   */
  taskCountsFold(): Promise<number>;

  // -- Operator actions ------------------------------------------------------------------------

  /** Apply pause, resume, cancel or retry through the domain's transition table, atomically. */
  taskAct(
    id: string,
    action: OperatorAction,
    now: number,
    actor: string | null,
  ): Promise<ActResult>;

  // -- Leader ----------------------------------------------------------------------------------

  /** leader: `pending` tasks due by `now` become `ready` (or `paused` if a pause is wanted). */
  taskPromoteDue(fence: LeaderFence, now: number, limit: number): Promise<number>;
  /** The earliest `runAt` among pending tasks, or null. */
  taskNextDue(): Promise<number | null>;
  /** Ready tasks, best first: priority high to low, then due time, then id. */
  taskReadyBatch(limit: number): Promise<Task[]>;
  /**
   * leader: ready → assigned, each a new attempt. Returns the tasks that moved. `seen`: the tasks
   * as the caller read them (from `taskReadyBatch`); a driver may decide from them instead of
   * reading the rows again, writing only rows still at the version it saw.
   */
  taskAssign(
    fence: LeaderFence,
    assignments: Assignment[],
    now: number,
    seen?: readonly Task[],
  ): Promise<Task[]>;
  /**
   * What is on workers now, for placement's tally. `rateWindows` maps each rate-limited queue
   * to the start of its window; the attempts assigned since then are counted.
   */
  taskActive(rateWindows: Map<string, number>): Promise<ActiveTally>;
  /** leader: running attempts past their deadline fail with a timeout. Returns the changed tasks. */
  taskExpireDeadlines(fence: LeaderFence, now: number, random: () => number): Promise<Task[]>;
  /** The earliest running deadline, or null. */
  taskNextDeadline(): Promise<number | null>;
  /**
   * leader: retention. Delete up to `limit` finished tasks (terminal, finished before `before`),
   * oldest first, with their attempts, history and logs. Workflow steps and fan-out tasks are
   * left to `flowPrune` (their workflow or parent refers to them). Returns how many were deleted.
   */
  taskPrune(fence: LeaderFence, before: number, limit: number): Promise<number>;
  /**
   * leader: delete up to `limit` finished workflows and up to `limit` finished fan-out parents
   * outside workflows, whose `finishedAt` is before `before` and all of whose tasks are finished,
   * oldest first: each whole, with its tasks (steps, compensations, fan-out children) and their
   * attempts, history and logs.
   */
  flowPrune(fence: LeaderFence, before: number, limit: number): Promise<FlowPruneResult>;
  /** leader: the tasks held by these workers go back as failed (or unstarted) attempts. */
  taskRequeueFromWorkers(
    fence: LeaderFence,
    workerIds: string[],
    now: number,
    random: () => number,
  ): Promise<Task[]>;

  // -- Worker reports (any replica) ------------------------------------------------------------

  /** Apply reports in order, fenced by attempt. Stale reports are refused, not applied. */
  taskReport(reports: Report[], now: number, random: () => number): Promise<ReportResult[]>;
  /** Tasks a worker holds (assigned, running, paused). */
  taskListOnWorker(workerId: string): Promise<Task[]>;
  /** Results of succeeded tasks by id (workflow parents' results). */
  taskResults(ids: string[]): Promise<Map<string, unknown>>;

  // -- Logs ------------------------------------------------------------------------------------

  logAppend(lines: LogLine[]): Promise<void>;
  logList(
    taskId: string,
    opts: { attempt?: number; afterSeq?: number; limit?: number },
  ): Promise<StoredLogLine[]>;

  // -- Queues ----------------------------------------------------------------------------------

  /** A queue's settings; defaults for a queue never set. */
  queueGet(name: string): Promise<QueueSettings>;
  /** Every queue that has settings or tasks. */
  queueList(): Promise<QueueSettings[]>;
  /** Create or change a queue's settings. */
  queueUpdate(name: string, patch: Partial<Omit<QueueSettings, 'name'>>): Promise<QueueSettings>;

  // -- Workers ---------------------------------------------------------------------------------

  /** Register (or re-register) a worker as live. */
  workerUpsert(worker: WorkerRecord): Promise<void>;
  /** Extend a live worker's lease; false when it is no longer live (it must register again). */
  workerHeartbeat(id: string, load: number, now: number, expiresAt: number): Promise<boolean>;
  workerUpdate(
    id: string,
    patch: Partial<Pick<WorkerRecord, 'cordoned' | 'draining' | 'status' | 'expiresAt'>>,
  ): Promise<WorkerRecord | null>;
  workerGet(id: string): Promise<WorkerRecord | null>;
  workerList(): Promise<WorkerRecord[]>;
  /** leader: live workers whose lease ended by `now` become lost. Returns their ids. */
  workerExpire(fence: LeaderFence, now: number): Promise<string[]>;

  // -- Schedules -------------------------------------------------------------------------------

  /** Insert a schedule; null when its name is taken. */
  scheduleCreate(schedule: Schedule): Promise<Schedule | null>;
  /** By id, else by (unique) name. */
  scheduleGet(idOrName: string): Promise<Schedule | null>;
  /** Every schedule, by name. */
  scheduleList(): Promise<Schedule[]>;
  /**
   * Replace a schedule's definition, pause flag and position when its version is still
   * `expectedVersion` (compare-and-set); the version grows. Null when it moved or is gone.
   */
  scheduleUpdate(
    schedule: Schedule,
    expectedVersion: number,
    now: number,
  ): Promise<Schedule | null>;
  /** Delete a schedule (its tasks stay). False when there was none. */
  scheduleDelete(id: string): Promise<boolean>;
  /** The earliest `nextFireAt` of unpaused schedules, or null. */
  scheduleNextDue(): Promise<number | null>;
  /** Unpaused schedules due by `now`, or holding a buffered fire, earliest first. */
  scheduleDue(now: number, limit: number): Promise<Schedule[]>;
  /**
   * leader: for each fire whose schedule is still at `version`, insert its tasks and move the
   * schedule to `position`, in one transaction. A (scheduleId, fireAt) already stored is never
   * inserted twice: the unique key makes each fire time at most one task.
   */
  scheduleFire(
    fence: LeaderFence,
    fires: ScheduleFire[],
    now: number,
  ): Promise<ScheduleFireResult[]>;
  /** Tasks a schedule made, newest fire first; `active` keeps only non-terminal ones. */
  scheduleRuns(scheduleId: string, opts: { limit: number; active?: boolean }): Promise<Task[]>;

  // -- Workflows and fan-out -------------------------------------------------------------------
  //
  // A step (or fan-out child) ending and what follows from it (children unblocked or skipped, a
  // fan-out parent ending, compensations started, the workflow's state) are written in the one
  // transaction of the write that ended it: taskReport, taskAct, taskExpireDeadlines,
  // taskRequeueFromWorkers, workflowCancel.

  /** Insert a workflow and its step tasks (each with workflowId and stepId), all or nothing. */
  workflowCreate(workflow: Workflow, steps: NewTask[], now: number): Promise<Task[]>;
  workflowGet(id: string): Promise<Workflow | null>;
  /** Newest first; `nextCursor` continues the listing. */
  workflowList(filter: WorkflowFilter): Promise<WorkflowListPage>;
  /** Every step and compensation task of a workflow, oldest first. */
  workflowTasks(id: string): Promise<Task[]>;
  /** Cancel a workflow: running steps are cancelled, the rest skipped. */
  workflowCancel(id: string, now: number, actor: string | null): Promise<WorkflowCancelResult>;
  /**
   * leader: ready fan-out parents (shards, broadcast) become `running` and their children are
   * inserted, in one transaction. `workers` are the worker ids a broadcast runs on. Returns the
   * parents that moved.
   */
  taskFanOut(fence: LeaderFence, fanOuts: FanOut[], now: number): Promise<Task[]>;
  /** The children of a fan-out parent, in shard order, newest attempt first. */
  taskChildren(parentId: string): Promise<Task[]>;

  // -- Leadership and replicas -----------------------------------------------------------------

  /**
   * Take or renew a lease. Succeeds when it is free, expired, or held by `holder`; the token
   * grows every time the holder changes. Returns the lease when held by `holder`, else null.
   */
  leaseAcquire(name: string, holder: string, ttlMs: number, now: number): Promise<Lease | null>;
  leaseRelease(name: string, holder: string): Promise<void>;
  leaseGet(name: string): Promise<Lease | null>;
  replicaHeartbeat(replica: Replica): Promise<void>;
  replicaList(): Promise<Replica[]>;
  replicaRemove(id: string): Promise<void>;

  // -- API tokens and the audit log ------------------------------------------------------------

  /** Store a token (only the hash of its secret). A name already taken → `{ ok: false }`. */
  tokenCreate(token: StoredToken): Promise<{ ok: boolean }>;
  /** Every token, oldest first. */
  tokenList(): Promise<StoredToken[]>;
  /** The token whose secret hashes to `hash`, or null. */
  tokenFindByHash(hash: string): Promise<StoredToken | null>;
  /** Remove a token; false when there was none. */
  tokenDelete(id: string): Promise<boolean>;
  /** How many tokens are stored (auth is on as soon as one is). */
  tokenCount(): Promise<number>;
  /** Append to the audit log. */
  auditAppend(entry: AuditEntry): Promise<void>;
  /** The audit log, newest first; `nextCursor` continues it. */
  auditList(opts: { limit: number; cursor?: number }): Promise<AuditPage>;
}

/** What a `flowPrune` deleted. */
export interface FlowPruneResult {
  workflows: number;
  /** Fan-out parents outside workflows. */
  fanOuts: number;
  /** Tasks of both, children included. */
  tasks: number;
}

export interface WorkflowFilter {
  state?: WorkflowState;
  limit: number;
  cursor?: string;
}

export interface WorkflowListPage {
  workflows: Workflow[];
  nextCursor: string | null;
}

export type WorkflowCancelResult =
  { ok: true; workflow: Workflow } | { ok: false; code: 'conflict' | 'not_found'; reason: string };

export interface FanOut {
  taskId: string;
  /** For a broadcast: the live workers that match it. */
  workers: string[];
}

export interface StoredToken {
  id: string;
  name: string;
  role: 'admin' | 'operator' | 'submitter' | 'viewer' | 'worker';
  /** SHA-256 of the secret, hex. */
  hash: string;
  createdAt: number;
}

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown> | null;
}

export interface StoredAuditEntry extends AuditEntry {
  seq: number;
}

export interface AuditPage {
  entries: StoredAuditEntry[];
  nextCursor: number | null;
}

export interface LeaderFence {
  name: string;
  holder: string;
  token: number;
}

export interface ScheduleFire {
  scheduleId: string;
  /** The schedule's version the decision was made from; a moved schedule is left alone. */
  version: number;
  /** Each with `scheduleId` and `fireAt` set. */
  tasks: NewTask[];
  position: SchedulePosition;
}

export interface ScheduleFireResult {
  scheduleId: string;
  /** False when the schedule had moved (or was deleted) since it was read. */
  applied: boolean;
  /** The tasks inserted (a fire time already stored is not). */
  created: Task[];
}

export interface Lease {
  name: string;
  holder: string;
  token: number;
  since: number;
  expiresAt: number;
}

export interface Replica {
  id: string;
  url: string;
  startedAt: number;
  heartbeatAt: number;
  expiresAt: number;
}

/** Thrown by leader methods when the fence is no longer the current lease. */
export class LeaseLostError extends Error {
  constructor(name: string) {
    super(`lease ${name} is no longer held`);
    this.name = 'LeaseLostError';
  }
}

/** What changed in one task, sent to subscribers after commit. */
export interface TaskChange {
  id: string;
  queue: string;
  state: TaskState;
  want: Want;
  workerId: string | null;
  attempt: number;
  runAt: number | null;
}

export type ChangeEvent =
  | { kind: 'tasks'; changes: TaskChange[] }
  | { kind: 'workers' }
  | { kind: 'queues' }
  | { kind: 'schedules' }
  | { kind: 'workflows'; ids: string[] }
  | { kind: 'logs'; taskIds: string[] };

export interface TaskNote {
  taskId: string;
  kind: string;
  attempt: number;
  detail: Record<string, unknown> | null;
}

export interface InsertResult {
  task: Task;
  created: boolean;
}

export interface TaskFilter {
  states?: TaskState[];
  queue?: string;
  type?: string;
  workflowId?: string;
  /** [key, value] of a label. */
  label?: [string, string];
  limit: number;
  cursor?: string;
}

export interface TaskListPage {
  tasks: Task[];
  nextCursor: string | null;
}

export type ActResult =
  { ok: true; task: Task } | { ok: false; code: 'conflict' | 'not_found'; reason: string };

export interface ReportResult {
  taskId: string;
  attempt: number;
  accepted: boolean;
  /** The task after the report, when accepted. */
  task?: Task;
}

export interface ActiveTally extends HeldTotals {
  /** Every task on a worker (assigned, running, or paused on it); the totals sum these. */
  held: HeldTask[];
  /** Attempts assigned per rate-limited queue since the start of its window. */
  startedByQueue: Map<string, number>;
}

export interface LogLine {
  taskId: string;
  attempt: number;
  stream: 'stdout' | 'stderr' | 'log' | 'system';
  line: string;
  at: number;
}

export interface StoredLogLine extends LogLine {
  seq: number;
}
