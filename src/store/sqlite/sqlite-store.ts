import type { Assignment } from '../../domain/placement.js';
import type { QueueSettings } from '../../domain/queue.js';
import type { Schedule } from '../../domain/schedule.js';
import type { OperatorAction, Report } from '../../domain/state-machine.js';
import type { Attempt, NewTask, Task, TaskEvent, TaskState } from '../../domain/task.js';
import type { WorkerRecord } from '../../domain/worker.js';
import { silentLogger, type Logger } from '../../lib/logger.js';
import type {
  ActiveTally,
  ActResult,
  ChangeEvent,
  FlowPruneResult,
  InsertResult,
  LeaderFence,
  Lease,
  LogLine,
  Replica,
  ReportResult,
  ScheduleFire,
  ScheduleFireResult,
  Store,
  StoredLogLine,
  TaskFilter,
  TaskListPage,
  TaskNote,
} from '../store.js';
import type { AuditEntry, AuditPage, StoredToken } from '../store.js';
import type { FanOut, WorkflowCancelResult, WorkflowFilter, WorkflowListPage } from '../store.js';
import type { Workflow } from '../../domain/workflow.js';
import { Tokens } from './tokens.js';
import { eventToRow } from './rows.js';
import { ChangeFeed } from '../common/change-feed.js';
import { Cluster } from './cluster.js';
import { SqliteContext } from './context.js';
import { openDatabase } from './database.js';
import { Logs } from './logs.js';
import { migrate } from './migrations.js';
import { Queues } from './queues.js';
import { pruneFlows, pruneTasks } from './retention.js';
import { Schedules } from './schedules.js';
import { TaskUpdates } from './task-update.js';
import { TaskReads } from './task-reads.js';
import { TaskWrites } from './task-writes.js';

export interface SqliteStoreOptions {
  /** Where listener failures are reported. */
  logger?: Logger;
  busyTimeoutMs?: number;
}

/**
 * The embedded driver: one SQLite file (or `:memory:`) through better-sqlite3. The driver is
 * synchronous; the async interface is kept so callers are the same for every driver. Call
 * `migrate()` once after opening.
 */
export class SqliteStore implements Store {
  readonly driver = 'sqlite' as const;
  private readonly ctx: SqliteContext;
  private readonly feed: ChangeFeed;
  private readonly writes: TaskWrites;
  private readonly reads: TaskReads;
  private readonly queues: Queues;
  private readonly logs: Logs;
  private readonly cluster: Cluster;
  private readonly schedules: Schedules;

  constructor(
    readonly path: string,
    opts: SqliteStoreOptions = {},
  ) {
    this.feed = new ChangeFeed(opts.logger ?? silentLogger);
    const db = openDatabase(path, { busyTimeoutMs: opts.busyTimeoutMs });
    this.ctx = new SqliteContext(db, this.feed);
    this.writes = new TaskWrites(this.ctx);
    this.reads = new TaskReads(this.ctx);
    this.queues = new Queues(this.ctx);
    this.logs = new Logs(this.ctx);
    this.cluster = new Cluster(this.ctx);
    this.schedules = new Schedules(this.ctx, new TaskUpdates(db, this.ctx.counts));
  }

  async migrate(): Promise<void> {
    if (this.ctx.isClosed) throw new Error('the store is closed');
    migrate(this.ctx.db);
  }

  async close(): Promise<void> {
    this.ctx.close();
  }

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    return this.feed.subscribe(listener);
  }

  // -- Tasks

  async taskInsert(tasks: NewTask[], now: number): Promise<InsertResult[]> {
    return this.writes.insert(tasks, now);
  }
  async taskGet(id: string): Promise<Task | null> {
    return this.reads.get(id);
  }
  async taskList(filter: TaskFilter): Promise<TaskListPage> {
    return this.reads.page(filter);
  }
  async taskAttempts(id: string): Promise<Attempt[]> {
    return this.reads.attempts(id);
  }
  async taskEvents(id: string): Promise<TaskEvent[]> {
    return this.reads.events(id);
  }
  async taskNote(notes: TaskNote[], now: number): Promise<void> {
    if (notes.length === 0) return;
    const { s } = this.ctx;
    this.ctx.write(() => {
      for (const n of notes) {
        if (!s.taskGet.get(n.taskId)) continue;
        s.eventInsert.run(eventToRow({ ...n, at: now, from: null, to: null, actor: null }));
      }
    });
  }
  async taskCounts(queue?: string): Promise<Map<string, Partial<Record<TaskState, number>>>> {
    return this.reads.counts(queue);
  }
  async taskCountsFold(): Promise<number> {
    return 0; // each write keeps task_counts exact before it commits; there are no deltas
  }
  async taskAct(
    id: string,
    action: OperatorAction,
    now: number,
    actor: string | null,
  ): Promise<ActResult> {
    return this.writes.act(id, action, now, actor);
  }
  async taskPromoteDue(fence: LeaderFence, now: number, limit: number): Promise<number> {
    return this.writes.promoteDue(fence, now, limit);
  }
  async taskPrune(fence: LeaderFence, before: number, limit: number): Promise<number> {
    return pruneTasks(this.ctx, fence, before, limit);
  }
  async flowPrune(fence: LeaderFence, before: number, limit: number): Promise<FlowPruneResult> {
    return pruneFlows(this.ctx, fence, before, limit);
  }
  async taskNextDue(): Promise<number | null> {
    return this.reads.nextDue();
  }
  async taskReadyBatch(limit: number): Promise<Task[]> {
    return this.reads.readyBatch(limit);
  }
  async taskAssign(fence: LeaderFence, assignments: Assignment[], now: number): Promise<Task[]> {
    return this.writes.assign(fence, assignments, now);
  }
  async taskActive(rateWindows: Map<string, number>): Promise<ActiveTally> {
    return this.reads.active(rateWindows);
  }
  async taskExpireDeadlines(
    fence: LeaderFence,
    now: number,
    random: () => number,
  ): Promise<Task[]> {
    return this.writes.expireDeadlines(fence, now, random);
  }
  async taskNextDeadline(): Promise<number | null> {
    return this.reads.nextDeadline();
  }
  async taskRequeueFromWorkers(
    fence: LeaderFence,
    workerIds: string[],
    now: number,
    random: () => number,
  ): Promise<Task[]> {
    return this.writes.requeueFromWorkers(fence, workerIds, now, random);
  }
  async taskReport(reports: Report[], now: number, random: () => number): Promise<ReportResult[]> {
    return this.writes.report(reports, now, random);
  }
  async taskListOnWorker(workerId: string): Promise<Task[]> {
    return this.reads.onWorker(workerId);
  }
  async taskResults(ids: string[]): Promise<Map<string, unknown>> {
    return this.reads.results(ids);
  }

  // -- Logs

  async logAppend(lines: LogLine[]): Promise<void> {
    this.logs.append(lines);
  }
  async logList(
    taskId: string,
    opts: { attempt?: number; afterSeq?: number; limit?: number },
  ): Promise<StoredLogLine[]> {
    return this.logs.list(taskId, opts);
  }

  // -- Queues

  async queueGet(name: string): Promise<QueueSettings> {
    return this.queues.get(name);
  }
  async queueList(): Promise<QueueSettings[]> {
    return this.queues.list();
  }
  async queueUpdate(
    name: string,
    patch: Partial<Omit<QueueSettings, 'name'>>,
  ): Promise<QueueSettings> {
    return this.queues.update(name, patch);
  }

  // -- Workers

  async workerUpsert(worker: WorkerRecord): Promise<void> {
    this.cluster.workerUpsert(worker);
  }
  async workerHeartbeat(
    id: string,
    load: number,
    now: number,
    expiresAt: number,
  ): Promise<boolean> {
    return this.cluster.workerHeartbeat(id, load, now, expiresAt);
  }
  async workerUpdate(
    id: string,
    patch: Partial<Pick<WorkerRecord, 'cordoned' | 'draining' | 'status' | 'expiresAt'>>,
  ): Promise<WorkerRecord | null> {
    return this.cluster.workerUpdate(id, patch);
  }
  async workerGet(id: string): Promise<WorkerRecord | null> {
    return this.cluster.workerGet(id);
  }
  async workerList(): Promise<WorkerRecord[]> {
    return this.cluster.workerList();
  }
  async workerExpire(fence: LeaderFence, now: number): Promise<string[]> {
    return this.cluster.workerExpire(fence, now);
  }

  // -- Schedules

  async scheduleCreate(schedule: Schedule): Promise<Schedule | null> {
    return this.schedules.create(schedule);
  }
  async scheduleGet(idOrName: string): Promise<Schedule | null> {
    return this.schedules.get(idOrName);
  }
  async scheduleList(): Promise<Schedule[]> {
    return this.schedules.list();
  }
  async scheduleUpdate(
    schedule: Schedule,
    expectedVersion: number,
    now: number,
  ): Promise<Schedule | null> {
    return this.schedules.update(schedule, expectedVersion, now);
  }
  async scheduleDelete(id: string): Promise<boolean> {
    return this.schedules.delete(id);
  }
  async scheduleNextDue(): Promise<number | null> {
    return this.schedules.nextDue();
  }
  async scheduleDue(now: number, limit: number): Promise<Schedule[]> {
    return this.schedules.due(now, limit);
  }
  async scheduleFire(
    fence: LeaderFence,
    fires: ScheduleFire[],
    now: number,
  ): Promise<ScheduleFireResult[]> {
    return this.schedules.fire(fence, fires, now);
  }
  async scheduleRuns(
    scheduleId: string,
    opts: { limit: number; active?: boolean },
  ): Promise<Task[]> {
    return this.schedules.runs(scheduleId, opts);
  }

  // -- Workflows and fan-out

  async workflowCreate(workflow: Workflow, steps: NewTask[], now: number): Promise<Task[]> {
    return this.writes.flow.create(workflow, steps, now);
  }
  async workflowGet(id: string): Promise<Workflow | null> {
    return this.writes.flow.get(id);
  }
  async workflowList(filter: WorkflowFilter): Promise<WorkflowListPage> {
    return this.writes.flow.list(filter);
  }
  async workflowTasks(id: string): Promise<Task[]> {
    return this.writes.flow.tasks(id);
  }
  async workflowCancel(
    id: string,
    now: number,
    actor: string | null,
  ): Promise<WorkflowCancelResult> {
    return this.writes.flow.cancel(id, now, actor);
  }
  async taskFanOut(fence: LeaderFence, fanOuts: FanOut[], now: number): Promise<Task[]> {
    return this.writes.flow.fanOut(fence, fanOuts, now);
  }
  async taskChildren(parentId: string): Promise<Task[]> {
    return this.writes.flow.children(parentId);
  }

  // -- Leadership and replicas

  async leaseAcquire(
    name: string,
    holder: string,
    ttlMs: number,
    now: number,
  ): Promise<Lease | null> {
    return this.cluster.leaseAcquire(name, holder, ttlMs, now);
  }
  async leaseRelease(name: string, holder: string): Promise<void> {
    this.cluster.leaseRelease(name, holder);
  }
  async leaseGet(name: string): Promise<Lease | null> {
    return this.cluster.leaseGet(name);
  }
  async replicaHeartbeat(replica: Replica): Promise<void> {
    this.cluster.replicaHeartbeat(replica);
  }
  async replicaList(): Promise<Replica[]> {
    return this.cluster.replicaList();
  }
  async replicaRemove(id: string): Promise<void> {
    this.cluster.replicaRemove(id);
  }

  // -- API tokens and the audit log

  private tokensPart: Tokens | null = null;
  private get tokens(): Tokens {
    return (this.tokensPart ??= new Tokens(this.ctx));
  }
  async tokenCreate(token: StoredToken): Promise<{ ok: boolean }> {
    return this.tokens.create(token);
  }
  async tokenList(): Promise<StoredToken[]> {
    return this.tokens.list();
  }
  async tokenFindByHash(hash: string): Promise<StoredToken | null> {
    return this.tokens.findByHash(hash);
  }
  async tokenDelete(id: string): Promise<boolean> {
    return this.tokens.delete(id);
  }
  async tokenCount(): Promise<number> {
    return this.tokens.count();
  }
  async auditAppend(entry: AuditEntry): Promise<void> {
    this.tokens.auditAppend(entry);
  }
  async auditList(opts: { limit: number; cursor?: number }): Promise<AuditPage> {
    return this.tokens.auditList(opts);
  }
}

/** Open the SQLite store at `path` (a file path or `:memory:`). Call `migrate()` next. */
export async function openSqliteStore(
  path: string,
  opts: SqliteStoreOptions = {},
): Promise<SqliteStore> {
  return new SqliteStore(path, opts);
}
