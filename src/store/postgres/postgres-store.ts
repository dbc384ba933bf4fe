import type pg from 'pg';
import type { Assignment } from '../../domain/placement.js';
import type { QueueSettings } from '../../domain/queue.js';
import type { Schedule } from '../../domain/schedule.js';
import type { OperatorAction, Report } from '../../domain/state-machine.js';
import type { Attempt, NewTask, Task, TaskEvent, TaskState } from '../../domain/task.js';
import type { WorkerRecord } from '../../domain/worker.js';
import { newId } from '../../lib/ids.js';
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
import { SQL } from './sql.js';
import { ChangeFeed } from '../common/change-feed.js';
import { Cluster } from './cluster.js';
import { PgContext } from './context.js';
import { NotificationListener } from './listener.js';
import { Logs } from './logs.js';
import { migrate } from './migrations.js';
import { decodePayload } from './notifications.js';
import { checkSchemaName, clientConfig, openPool, type ConnectionOptions } from './pool.js';
import { Queues } from './queues.js';
import { pruneFlows, pruneTasks } from './retention.js';
import { Schedules } from './schedules.js';
import { foldTaskCounts, readTaskCounts } from './task-counts.js';
import { TaskReads } from './task-reads.js';
import { TaskWrites } from './task-writes.js';

export interface PostgresStoreOptions {
  /** Where connection failures and listener failures are reported. */
  logger?: Logger;
  /** Keep the tables in this schema (created by `migrate`) instead of the search_path's. */
  schema?: string;
  /** Most pooled connections (the listening connection is extra). Default 10. */
  maxConnections?: number;
  /** How long a call waits for a connection before failing. Default 10 s. */
  connectTimeoutMs?: number;
  /** Back-off of the listening connection's reconnection attempts. */
  listenRetry?: { minDelayMs?: number; maxDelayMs?: number };
  /** How often this store folds the task count deltas (see task-counts.ts). Default 10 s. */
  countFoldMs?: number;
}

/** The NOTIFY channel of a schema: the schemas of one database do not hear each other. */
export function channelOf(schema: string | null): string {
  return schema === null ? 'chronoq' : `chronoq.${schema}`;
}

/**
 * The cluster driver: one Postgres database shared by every replica, through a `pg` pool.
 * Change events reach this process's subscribers right after a local commit, and those of
 * other replicas through LISTEN/NOTIFY on a dedicated connection, opened on the first
 * `subscribe`. Call `migrate()` once after opening.
 */
export class PostgresStore implements Store {
  readonly driver = 'postgres' as const;
  /** Tags this instance's notifications, so it does not hear its own changes twice. */
  readonly instanceId = newId();
  private readonly pool: pg.Pool;
  private readonly ctx: PgContext;
  private readonly feed: ChangeFeed;
  private readonly listener: NotificationListener;
  private readonly schema: string | null;
  private readonly writes: TaskWrites;
  private readonly reads: TaskReads;
  private readonly queues: Queues;
  private readonly logs: Logs;
  private readonly cluster: Cluster;
  private readonly schedules: Schedules;
  private readonly logger: Logger;
  private readonly countFoldMs: number;
  private foldTimer: NodeJS.Timeout | null = null;

  constructor(url: string, opts: PostgresStoreOptions = {}) {
    const logger = opts.logger ?? silentLogger;
    this.logger = logger;
    this.countFoldMs = opts.countFoldMs ?? 10_000;
    this.schema = opts.schema === undefined ? null : checkSchemaName(opts.schema);
    const connection: ConnectionOptions = {
      url,
      schema: this.schema,
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      applicationName: 'chronoq',
    };
    const channel = channelOf(this.schema);
    this.feed = new ChangeFeed(logger);
    this.pool = openPool({ ...connection, max: opts.maxConnections ?? 10 }, logger);
    this.ctx = new PgContext(this.pool, this.feed, { channel, source: this.instanceId }, logger);
    this.listener = new NotificationListener({
      client: clientConfig({ ...connection, applicationName: `chronoq-listen:${this.instanceId}` }),
      channel,
      logger,
      minDelayMs: opts.listenRetry?.minDelayMs,
      maxDelayMs: opts.listenRetry?.maxDelayMs,
      onPayload: (payload) => this.onNotification(payload),
    });
    this.writes = new TaskWrites(this.ctx);
    this.reads = new TaskReads(this.ctx);
    this.queues = new Queues(this.ctx);
    this.logs = new Logs(this.ctx);
    this.cluster = new Cluster(this.ctx);
    this.schedules = new Schedules(this.ctx);
  }

  async migrate(): Promise<void> {
    if (this.ctx.isClosed) throw new Error('the store is closed');
    await migrate(this.pool, { schema: this.schema });
    this.startFolding();
  }

  /**
   * Every replica folds the task count deltas on a timer (a fold already running elsewhere makes
   * this one a no-op), so the deltas stay few whether or not anything reads the counts and
   * whichever replica leads. Cheap when there is nothing to fold.
   */
  private startFolding(): void {
    if (this.foldTimer !== null || this.ctx.isClosed) return;
    this.foldTimer = setInterval(() => {
      if (this.ctx.isClosed) return;
      foldTaskCounts(this.ctx).catch((err: Error) => {
        if (!this.ctx.isClosed) this.logger.warn({ err }, 'folding the task counts failed');
      });
    }, this.countFoldMs);
    this.foldTimer.unref();
  }

  async close(): Promise<void> {
    if (this.ctx.isClosed) return;
    if (this.foldTimer !== null) clearInterval(this.foldTimer);
    this.foldTimer = null;
    this.ctx.close();
    this.feed.clear();
    await this.listener.stop();
    await this.pool.end();
  }

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    const unsubscribe = this.feed.subscribe(listener);
    if (!this.ctx.isClosed) this.listener.start();
    return unsubscribe;
  }

  /** Resolves once other replicas' changes are being heard (after the first `subscribe`). */
  listening(): Promise<void> {
    return this.listener.ready();
  }

  /** The backend pid of the listening connection, when it is connected. */
  get listenerPid(): number | null {
    return this.listener.pid;
  }

  private onNotification(payload: string): void {
    const decoded = decodePayload(payload);
    // Our own changes were emitted right after their commit.
    if (!decoded || decoded.source === this.instanceId) return;
    this.feed.emit(decoded.event);
  }

  // -- Tasks

  taskInsert(tasks: NewTask[], now: number): Promise<InsertResult[]> {
    return this.writes.insert(tasks, now);
  }
  taskGet(id: string): Promise<Task | null> {
    return this.reads.get(id);
  }
  taskList(filter: TaskFilter): Promise<TaskListPage> {
    return this.reads.page(filter);
  }
  taskAttempts(id: string): Promise<Attempt[]> {
    return this.reads.attempts(id);
  }
  async taskNote(notes: TaskNote[], now: number): Promise<void> {
    if (notes.length === 0) return;
    const rows = notes.map((n) => eventToRow({ ...n, at: now, from: null, to: null, actor: null }));
    await this.ctx.write((tx) => tx.rows(SQL.eventNote, [JSON.stringify(rows)]));
  }
  taskEvents(id: string): Promise<TaskEvent[]> {
    return this.reads.events(id);
  }
  taskCounts(queue?: string): Promise<Map<string, Partial<Record<TaskState, number>>>> {
    return readTaskCounts(this.ctx, queue);
  }
  taskCountsFold(): Promise<number> {
    return foldTaskCounts(this.ctx);
  }
  taskAct(
    id: string,
    action: OperatorAction,
    now: number,
    actor: string | null,
  ): Promise<ActResult> {
    return this.writes.act(id, action, now, actor);
  }
  taskPromoteDue(fence: LeaderFence, now: number, limit: number): Promise<number> {
    return this.writes.promoteDue(fence, now, limit);
  }
  taskPrune(fence: LeaderFence, before: number, limit: number): Promise<number> {
    return pruneTasks(this.ctx, fence, before, limit);
  }
  flowPrune(fence: LeaderFence, before: number, limit: number): Promise<FlowPruneResult> {
    return pruneFlows(this.ctx, fence, before, limit);
  }
  taskNextDue(): Promise<number | null> {
    return this.reads.nextDue();
  }
  taskReadyBatch(limit: number): Promise<Task[]> {
    return this.reads.readyBatch(limit);
  }
  taskAssign(
    fence: LeaderFence,
    assignments: Assignment[],
    now: number,
    seen?: readonly Task[],
  ): Promise<Task[]> {
    return this.writes.assign(fence, assignments, now, seen);
  }
  taskActive(rateWindows: Map<string, number>): Promise<ActiveTally> {
    return this.reads.active(rateWindows);
  }
  taskExpireDeadlines(fence: LeaderFence, now: number, random: () => number): Promise<Task[]> {
    return this.writes.expireDeadlines(fence, now, random);
  }
  taskNextDeadline(): Promise<number | null> {
    return this.reads.nextDeadline();
  }
  taskRequeueFromWorkers(
    fence: LeaderFence,
    workerIds: string[],
    now: number,
    random: () => number,
  ): Promise<Task[]> {
    return this.writes.requeueFromWorkers(fence, workerIds, now, random);
  }
  taskReport(reports: Report[], now: number, random: () => number): Promise<ReportResult[]> {
    return this.writes.report(reports, now, random);
  }
  taskListOnWorker(workerId: string): Promise<Task[]> {
    return this.reads.onWorker(workerId);
  }
  taskResults(ids: string[]): Promise<Map<string, unknown>> {
    return this.reads.results(ids);
  }

  // -- Logs

  logAppend(lines: LogLine[]): Promise<void> {
    return this.logs.append(lines);
  }
  logList(
    taskId: string,
    opts: { attempt?: number; afterSeq?: number; limit?: number },
  ): Promise<StoredLogLine[]> {
    return this.logs.list(taskId, opts);
  }

  // -- Queues

  queueGet(name: string): Promise<QueueSettings> {
    return this.queues.get(name);
  }
  queueList(): Promise<QueueSettings[]> {
    return this.queues.list();
  }
  queueUpdate(name: string, patch: Partial<Omit<QueueSettings, 'name'>>): Promise<QueueSettings> {
    return this.queues.update(name, patch);
  }

  // -- Workers

  workerUpsert(worker: WorkerRecord): Promise<void> {
    return this.cluster.workerUpsert(worker);
  }
  workerHeartbeat(id: string, load: number, now: number, expiresAt: number): Promise<boolean> {
    return this.cluster.workerHeartbeat(id, load, now, expiresAt);
  }
  workerUpdate(
    id: string,
    patch: Partial<Pick<WorkerRecord, 'cordoned' | 'draining' | 'status' | 'expiresAt'>>,
  ): Promise<WorkerRecord | null> {
    return this.cluster.workerUpdate(id, patch);
  }
  workerGet(id: string): Promise<WorkerRecord | null> {
    return this.cluster.workerGet(id);
  }
  workerList(): Promise<WorkerRecord[]> {
    return this.cluster.workerList();
  }
  workerExpire(fence: LeaderFence, now: number): Promise<string[]> {
    return this.cluster.workerExpire(fence, now);
  }

  // -- Schedules

  scheduleCreate(schedule: Schedule): Promise<Schedule | null> {
    return this.schedules.create(schedule);
  }
  scheduleGet(idOrName: string): Promise<Schedule | null> {
    return this.schedules.get(idOrName);
  }
  scheduleList(): Promise<Schedule[]> {
    return this.schedules.list();
  }
  scheduleUpdate(
    schedule: Schedule,
    expectedVersion: number,
    now: number,
  ): Promise<Schedule | null> {
    return this.schedules.update(schedule, expectedVersion, now);
  }
  scheduleDelete(id: string): Promise<boolean> {
    return this.schedules.delete(id);
  }
  scheduleNextDue(): Promise<number | null> {
    return this.schedules.nextDue();
  }
  scheduleDue(now: number, limit: number): Promise<Schedule[]> {
    return this.schedules.due(now, limit);
  }
  scheduleFire(
    fence: LeaderFence,
    fires: ScheduleFire[],
    now: number,
  ): Promise<ScheduleFireResult[]> {
    return this.schedules.fire(fence, fires, now);
  }
  scheduleRuns(scheduleId: string, opts: { limit: number; active?: boolean }): Promise<Task[]> {
    return this.schedules.runs(scheduleId, opts);
  }

  // -- Workflows and fan-out

  workflowCreate(workflow: Workflow, steps: NewTask[], now: number): Promise<Task[]> {
    return this.writes.flow.create(workflow, steps, now);
  }
  workflowGet(id: string): Promise<Workflow | null> {
    return this.writes.flow.get(id);
  }
  workflowList(filter: WorkflowFilter): Promise<WorkflowListPage> {
    return this.writes.flow.list(filter);
  }
  workflowTasks(id: string): Promise<Task[]> {
    return this.writes.flow.tasks(id);
  }
  workflowCancel(id: string, now: number, actor: string | null): Promise<WorkflowCancelResult> {
    return this.writes.flow.cancel(id, now, actor);
  }
  taskFanOut(fence: LeaderFence, fanOuts: FanOut[], now: number): Promise<Task[]> {
    return this.writes.flow.fanOut(fence, fanOuts, now);
  }
  taskChildren(parentId: string): Promise<Task[]> {
    return this.writes.flow.children(parentId);
  }

  // -- Leadership and replicas

  leaseAcquire(name: string, holder: string, ttlMs: number, now: number): Promise<Lease | null> {
    return this.cluster.leaseAcquire(name, holder, ttlMs, now);
  }
  leaseRelease(name: string, holder: string): Promise<void> {
    return this.cluster.leaseRelease(name, holder);
  }
  leaseGet(name: string): Promise<Lease | null> {
    return this.cluster.leaseGet(name);
  }
  replicaHeartbeat(replica: Replica): Promise<void> {
    return this.cluster.replicaHeartbeat(replica);
  }
  replicaList(): Promise<Replica[]> {
    return this.cluster.replicaList();
  }
  replicaRemove(id: string): Promise<void> {
    return this.cluster.replicaRemove(id);
  }

  // -- API tokens and the audit log

  private tokensPart: Tokens | null = null;
  private get tokens(): Tokens {
    return (this.tokensPart ??= new Tokens(this.ctx));
  }
  tokenCreate(token: StoredToken): Promise<{ ok: boolean }> {
    return this.tokens.create(token);
  }
  tokenList(): Promise<StoredToken[]> {
    return this.tokens.list();
  }
  tokenFindByHash(hash: string): Promise<StoredToken | null> {
    return this.tokens.findByHash(hash);
  }
  tokenDelete(id: string): Promise<boolean> {
    return this.tokens.delete(id);
  }
  tokenCount(): Promise<number> {
    return this.tokens.count();
  }
  auditAppend(entry: AuditEntry): Promise<void> {
    return this.tokens.auditAppend(entry);
  }
  auditList(opts: { limit: number; cursor?: number }): Promise<AuditPage> {
    return this.tokens.auditList(opts);
  }
}

/** Open the Postgres store a `postgres://` URL names. Nothing connects until the first call. */
export async function openPostgresStore(
  url: string,
  opts: PostgresStoreOptions = {},
): Promise<PostgresStore> {
  return new PostgresStore(url, opts);
}
