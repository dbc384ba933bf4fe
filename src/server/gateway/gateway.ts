import type { Report } from '../../domain/state-machine.js';
import { ON_WORKER_STATES, type Task } from '../../domain/task.js';
import type { WorkerRecord } from '../../domain/worker.js';
import type { Clock } from '../../lib/clock.js';
import { GroupCommit } from '../../lib/group-commit.js';
import { newId } from '../../lib/ids.js';
import type { Logger } from '../../lib/logger.js';
import {
  PROTOCOL_VERSION,
  registerSchema,
  type HeldAttempt,
  type ServerToWorker,
  type WorkerToServer,
} from '../../protocol/worker-messages.js';
import type { ChangeEvent, ReportResult, Store, TaskChange } from '../../store/store.js';
import type { ConnectionHandlers } from '../../worker/transport.js';
import { toAssignment } from './assignment.js';
import { lostAttempts } from './lost-attempts.js';
import { ParentResults } from './parent-results.js';
import { WorkerSession } from './session.js';

export interface GatewayOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  replicaId: string;
  heartbeatMs: number;
  leaseMs: number;
  random?: () => number;
  /**
   * How long a worker's `started` report may wait to be written with the attempt's next report
   * (default 20 ms; 0 writes each at once). See HeldStarts.
   */
  startHoldMs?: number;
  /** Accepted and refused reports, after they are written (metrics). */
  onReports?: (reports: Report[], results: ReportResult[]) => void;
}

type AssignMessage = Extract<ServerToWorker, { type: 'assign' }>;

const FINAL_REPORTS = new Set(['succeeded', 'failed', 'snoozed', 'cancelled']);
const START_HOLD_MS = 20;
/** How soon a push of assignments that could not be read is tried again. */
const FETCH_RETRY_MS = 500;

/** The assign message of tasks, without their workflow parents' results. */
function plainAssign(list: Task[], full: boolean): AssignMessage {
  return { type: 'assign', full, tasks: list.map((t) => toAssignment(t)) };
}

/**
 * The report that hands back an attempt a worker no longer holds: one that never started costs
 * nothing (snoozed); one that ran is a failed attempt, retried as usual. Whether it started is,
 * unless the caller knows better, what the store says.
 */
function handBack(workerId: string) {
  return (t: Task, started = t.state !== 'assigned'): Report =>
    !started
      ? { kind: 'snoozed', taskId: t.id, attempt: t.attempt, delayMs: 0 }
      : {
          kind: 'failed',
          taskId: t.id,
          attempt: t.attempt,
          error: {
            message: `worker ${workerId} came back without this attempt (it restarted or lost it)`,
            code: 'WORKER_LOST',
          },
        };
}

/**
 * Holds the worker sessions of this replica. It registers workers in the store, resyncs them on
 * (re)connect, pushes the tasks the leader assigned them and every change of what is wanted, and
 * writes their batched reports through the store's fence (a report from an old attempt is refused
 * and the worker is told to drop that attempt).
 */
export class WorkerGateway {
  private readonly sessions = new Map<string, WorkerSession>();
  /** The reports of every session, written together while an earlier write is under way. */
  private readonly reportWrites = new GroupCommit<Report, ReportResult>({
    write: (reports) => this.opts.store.taskReport(reports, this.opts.clock.now(), this.random),
    // A session's messages are handled one at a time, so two writes at once never reorder the
    // reports of one worker.
    maxInFlight: 2,
  });
  /** Sessions closed by their worker whose last messages may still be in hand. */
  private readonly closing = new Map<Promise<void>, string | null>();
  private readonly holder = new Map<string, WorkerSession>();
  /** Assigned tasks seen in change events, by id, with their attempt: pushed unless already held. */
  private pendingFetch = new Map<string, number>();
  private fetchScheduled = false;
  private unsubscribe: (() => void) | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private readonly random: () => number;
  /** Counts the updates of held entries, so a sweep knows which it read the store after. */
  private seq = 0;

  private readonly parents: ParentResults;

  constructor(private readonly opts: GatewayOptions) {
    this.random = opts.random ?? Math.random;
    this.parents = new ParentResults(opts.store);
  }

  start(): void {
    this.unsubscribe ??= this.opts.store.subscribe((e) => this.onChange(e));
    this.sweeper ??= setInterval(() => void this.sweep(), this.opts.leaseMs);
    this.sweeper.unref();
  }

  /**
   * Handle what the workers have sent so far, then end every session (workers reconnect
   * elsewhere or later).
   */
  async stop(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    for (const s of this.sessions.values()) this.writeHeldStarts(s);
    await Promise.all([...this.sessions.values()].map((s) => s.idle()));
    await Promise.all([...this.closing.keys()]);
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    await this.sweeping;
    for (const s of [...this.sessions.values()]) s.end('server stopping');
  }

  /**
   * The safety net of the change feed. A change event that never came (the LISTEN connection
   * was down while Postgres restarted, or the change was too large to notify) would leave an
   * assignment `assigned` on a live worker forever, a pause or cancel unheard, or a worker
   * running an attempt that was taken from it: every lease period, what the store says each
   * connected worker should hold is read, and set against what it was sent. An attempt it no
   * longer has is revoked, a changed want is sent, an assignment it never got is pushed. A worker
   * ignores an attempt it holds or has finished, and fencing refuses a stale one.
   */
  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = (async () => {
      for (const s of [...this.sessions.values()]) {
        if (s.closed || s.workerId === null) continue;
        const readFrom = ++this.seq;
        const onWorker = await this.opts.store.taskListOnWorker(s.workerId);
        if (s.closed) continue;
        this.reconcile(s, onWorker, readFrom);
        const missed = onWorker.filter(
          (t) => t.state === 'assigned' && s.held.get(t.id)?.attempt !== t.attempt,
        );
        if (missed.length === 0 || s.closed) continue;
        this.opts.logger.warn(
          { workerId: s.workerId, tasks: missed.length },
          'pushing assignments whose change was never heard',
        );
        this.deliverAssigned(missed);
      }
    })()
      .catch((err: unknown) => this.opts.logger.warn({ err }, 'assignment sweep failed'))
      .finally(() => (this.sweeping = null));
    await this.sweeping;
  }

  /**
   * Bring what the session holds in line with `onWorker`, the store's tasks on its worker read
   * after change number `readFrom`. An entry updated since then is newer than the read, and is
   * left alone: its change was heard.
   */
  private reconcile(s: WorkerSession, onWorker: Task[], readFrom: number): void {
    const byId = new Map(onWorker.map((t) => [t.id, t]));
    let unheard = 0;
    for (const [id, held] of [...s.held]) {
      if (held.seq > readFrom) continue;
      const t = byId.get(id);
      if (t === undefined || t.attempt !== held.attempt) {
        unheard++;
        this.release(s, id);
        const reason = t ? `task is on attempt ${t.attempt}` : 'task is no longer on this worker';
        s.send({ type: 'revoke', taskId: id, attempt: held.attempt, reason });
      } else if (t.want !== held.want) {
        unheard++;
        held.want = t.want;
        held.seq = ++this.seq;
        s.send({ type: 'want', taskId: id, attempt: held.attempt, want: t.want });
      }
    }
    if (unheard > 0) {
      this.opts.logger.warn(
        { workerId: s.workerId, tasks: unheard },
        'sending wants and revokes whose change was never heard',
      );
    }
  }

  /** Open a session for a worker; the transport passes the worker's handlers. */
  accept(toWorker: ConnectionHandlers): {
    receive(message: WorkerToServer): void;
    close(reason: string): void;
  } {
    return new WorkerSession(
      toWorker,
      (s, m) => this.handle(s, m),
      (s, reason) => this.closed(s, reason),
      this.opts.startHoldMs ?? START_HOLD_MS,
      (s) => this.writeHeldStarts(s),
    );
  }

  /** Push tasks the co-located leader just assigned (saves the read a change event would cost). */
  deliverAssigned(tasks: Task[]): void {
    const byWorker = new Map<WorkerSession, Task[]>();
    for (const t of tasks) {
      const s = t.workerId === null ? undefined : this.sessions.get(t.workerId);
      if (!s || s.held.get(t.id)?.attempt === t.attempt) continue;
      this.hold(s, t);
      const list = byWorker.get(s);
      if (list) list.push(t);
      else byWorker.set(s, [t]);
    }
    for (const [s, list] of byWorker) void this.sendAssign(s, list);
  }

  /**
   * Send tasks to a worker. When their workflow parents' results must be read first, a task may
   * be revoked or its want changed meanwhile (and that message sent ahead of this one, to a
   * worker that did not know the task yet): each then goes out as the session holds it now, or
   * not at all.
   */
  private async sendAssign(s: WorkerSession, list: Task[]): Promise<void> {
    if (!list.some(ParentResults.needed)) return this.sendHeld(s, plainAssign(list, false));
    const message = await this.assignMessage(list, false);
    const tasks = message.tasks.flatMap((a) => {
      const held = s.held.get(a.id);
      if (held?.attempt !== a.attempt) return [];
      return held.want === a.want ? [a] : [{ ...a, want: held.want }];
    });
    if (tasks.length > 0) this.sendHeld(s, { ...message, tasks });
  }

  /** Send an assign message, and note in each attempt it carries which message told of it. */
  private sendHeld(s: WorkerSession, message: AssignMessage): void {
    s.send(message);
    for (const a of message.tasks) {
      const held = s.held.get(a.id);
      if (held?.attempt === a.attempt) held.sentAt = s.sent;
    }
  }

  /** The assign message of tasks, with their workflow parents' results where they have some. */
  private async assignMessage(list: Task[], full: boolean): Promise<AssignMessage> {
    if (!list.some(ParentResults.needed)) return plainAssign(list, full);
    try {
      const parents = await Promise.all(list.map((t) => this.parents.of(t)));
      return { type: 'assign', full, tasks: list.map((t, i) => toAssignment(t, parents[i])) };
    } catch (err) {
      this.opts.logger.error({ err }, 'could not read the results of workflow parents');
      return plainAssign(list, full);
    }
  }

  get connectedWorkers(): string[] {
    return [...this.sessions.keys()];
  }

  private hold(s: WorkerSession, t: Task): void {
    s.held.set(t.id, { attempt: t.attempt, want: t.want, seq: ++this.seq });
    this.holder.set(t.id, s);
  }

  private release(s: WorkerSession, taskId: string): void {
    s.held.delete(taskId);
    if (this.holder.get(taskId) === s) this.holder.delete(taskId);
  }

  private async handle(s: WorkerSession, m: WorkerToServer): Promise<void> {
    try {
      if (m.type === 'register') return await this.register(s, m);
      if (s.workerId === null) {
        s.send({ type: 'error', code: 'not_registered', message: 'register first' });
        return s.end('not registered');
      }
      switch (m.type) {
        case 'heartbeat':
          await this.heartbeat(s, m.load);
          if (m.received !== undefined && m.holding !== undefined) {
            await this.handBackLost(s, m.received, m.holding);
          }
          return;
        case 'reports':
          await this.reports(s, m.reports as Report[], m.logs ?? []);
          if (m.seq !== undefined) s.send({ type: 'ack', seq: m.seq });
          return;
        case 'drain':
          s.draining = true;
          await this.opts.store.workerUpdate(s.workerId, { draining: true });
          return;
      }
    } catch (err) {
      // Most likely the store is unreachable. What the message said is not written, and the
      // worker believes it was: end the session, so that the worker registers again once the
      // store answers, and what it holds is reconciled with what the store says.
      this.opts.logger.error(
        { err, workerId: s.workerId, message: m.type },
        'worker message failed; ending the session',
      );
      s.end('the server could not handle a message');
    }
  }

  private async register(s: WorkerSession, raw: WorkerToServer): Promise<void> {
    const parsed = registerSchema.safeParse(raw);
    if (!parsed.success) {
      s.send({
        type: 'error',
        code: 'invalid',
        message: parsed.error.issues[0]?.message ?? 'invalid',
      });
      return s.end('invalid register');
    }
    const m = parsed.data;
    if (m.protocolVersion !== PROTOCOL_VERSION) {
      s.send({
        type: 'error',
        code: 'protocol_version',
        message: `server speaks protocol ${PROTOCOL_VERSION}, worker ${m.protocolVersion}`,
      });
      return s.end('protocol version mismatch');
    }
    const { store, clock } = this.opts;
    const id = m.id ?? newId(clock.now());
    this.sessions.get(id)?.end('replaced by a new session');
    // What earlier sessions of this worker still had in hand is written before comparing.
    await Promise.all([...this.closing].filter(([, w]) => w === id).map(([p]) => p));
    const now = clock.now();
    const previous = await store.workerGet(id);
    const record: WorkerRecord = {
      id,
      name: m.name,
      replicaId: this.opts.replicaId,
      status: 'live',
      labels: m.labels,
      taints: m.taints,
      capacity: m.capacity,
      prefetch: m.prefetch,
      resources: m.resources,
      types: m.types,
      executors: m.executors,
      queues: m.queues,
      weight: m.weight,
      cordoned: previous?.cordoned ?? false,
      draining: false,
      load: m.running.length,
      version: m.version,
      startedAt: now,
      heartbeatAt: now,
      expiresAt: now + this.opts.leaseMs,
    };
    // Reconcile what the store says this worker holds with what it says it holds (every attempt
    // it was told of and has not reported final, started or not). An attempt it does not name
    // is not coming back: it restarted, never got the assignment, or its final report was lost
    // on the way. It goes back to the queue, and runs again as a new attempt, never this one.
    const onWorker = await store.taskListOnWorker(id);
    const running = new Map(m.running.map((r) => [r.taskId, r.attempt]));
    const gone = onWorker
      .filter((t) => running.get(t.id) !== t.attempt)
      .map((t) => handBack(id)(t));
    if (gone.length > 0) await store.taskReport(gone, now, this.random);
    const keep = onWorker.filter((t) => running.get(t.id) === t.attempt);
    await store.workerUpsert(record);
    const resync = await this.assignMessage(keep, true);
    if (s.closed) return;
    // From here to the resync, nothing waits: a push made in between (the co-located leader
    // places on this worker as soon as it is live) would reach the worker before the full set
    // it holds, which drops every task not in it, unreported.
    s.workerId = id;
    this.sessions.set(id, s);
    for (const t of keep) this.hold(s, t);
    s.send({
      type: 'welcome',
      workerId: id,
      protocolVersion: PROTOCOL_VERSION,
      heartbeatMs: this.opts.heartbeatMs,
      leaseMs: this.opts.leaseMs,
    });
    this.sendHeld(s, resync);
    // Watch, then list again: an assignment made while this registration read the store found
    // no session to push to.
    const since = await store.taskListOnWorker(id);
    if (!s.closed) this.deliverAssigned(since.filter((t) => t.state === 'assigned'));
    this.opts.logger.info(
      { workerId: id, name: m.name, capacity: m.capacity, resumed: keep.length, lost: gone.length },
      'worker registered',
    );
  }

  private async heartbeat(s: WorkerSession, load: number): Promise<void> {
    const now = this.opts.clock.now();
    const live = await this.opts.store.workerHeartbeat(
      s.workerId!,
      load,
      now,
      now + this.opts.leaseMs,
    );
    if (!live) {
      s.send({
        type: 'error',
        code: 'lease_lost',
        message: 'worker was declared lost; register again',
      });
      s.end('worker lease lost');
    }
  }

  /**
   * The safety net behind every push: an attempt this session holds for its worker, sent in a
   * message the worker has handled (`received`), that the worker does not name in `holding`, was
   * lost on the worker's side (nothing else would ever notice: the store and this gateway both
   * say it is there). It is handed back as a re-registration hands back what a worker no longer
   * holds, and runs again as a new attempt.
   */
  private async handBackLost(
    s: WorkerSession,
    received: number,
    holding: readonly HeldAttempt[],
  ): Promise<void> {
    const lost = lostAttempts(s.held, received, holding);
    if (lost.length === 0 || s.closed) return;
    const attempts = new Map(lost.map((id) => [id, s.held.get(id)!.attempt]));
    const onWorker = await this.opts.store.taskListOnWorker(s.workerId!);
    // Still the attempt judged lost, in the store and in this session, after the read.
    const gone = onWorker.filter(
      (t) => attempts.get(t.id) === t.attempt && s.held.get(t.id)?.attempt === t.attempt,
    );
    if (gone.length === 0) return;
    this.opts.logger.warn(
      { workerId: s.workerId, tasks: gone.map((t) => t.id) },
      'handing back attempts the worker was sent and no longer holds',
    );
    const reports: Report[] = [];
    for (const t of gone) {
      this.release(s, t.id);
      // Should the worker still run it somewhere, that run stops: it is no longer this attempt's.
      s.send({ type: 'revoke', taskId: t.id, attempt: t.attempt, reason: 'lost by the worker' });
      // A start heard but not yet written makes it an attempt that ran.
      const started = t.state !== 'assigned' || s.starts.holds(t.id, t.attempt);
      reports.push(handBack(s.workerId!)(t, started));
    }
    await this.write(s, s.starts.take(reports, this.opts.clock.now()));
  }

  private async reports(
    s: WorkerSession,
    reports: Report[],
    logs: {
      taskId: string;
      attempt: number;
      stream: 'stdout' | 'stderr' | 'log' | 'system';
      line: string;
      at: number;
    }[],
  ): Promise<void> {
    if (logs.length > 0) await this.opts.store.logAppend(logs);
    if (reports.length === 0) return;
    for (const r of reports) {
      if (FINAL_REPORTS.has(r.kind) && s.held.get(r.taskId)?.attempt === r.attempt) {
        this.release(s, r.taskId);
      }
    }
    await this.write(s, s.starts.take(reports, this.opts.clock.now()));
  }

  /** Once the session's earlier messages are handled, write the starts it holds. */
  private writeHeldStarts(s: WorkerSession): void {
    s.after(async () => {
      try {
        await this.write(s, s.starts.drain());
      } catch (err) {
        this.opts.logger.error({ err, workerId: s.workerId }, 'could not write started reports');
        s.end('the server could not write reports');
      }
    });
  }

  private async write(s: WorkerSession, reports: Report[]): Promise<void> {
    if (reports.length === 0) return;
    const results = await this.reportWrites.submit(reports);
    this.opts.onReports?.(reports, results);
    const revoked = new Set<string>();
    for (const r of results) {
      if (r.accepted || revoked.has(`${r.taskId}:${r.attempt}`)) continue;
      revoked.add(`${r.taskId}:${r.attempt}`);
      // A late report of an earlier attempt (sent again after a reconnect) leaves the attempt
      // held now alone.
      if (s.held.get(r.taskId)?.attempt === r.attempt) this.release(s, r.taskId);
      s.send({ type: 'revoke', taskId: r.taskId, attempt: r.attempt, reason: 'stale attempt' });
    }
  }

  private closed(s: WorkerSession, reason: string): void {
    const workerId = s.workerId;
    const current = workerId !== null && this.sessions.get(workerId) === s;
    if (current) {
      this.sessions.delete(workerId);
      for (const id of s.held.keys()) if (this.holder.get(id) === s) this.holder.delete(id);
      this.opts.logger.info({ workerId, reason }, 'worker session closed');
    }
    // Its last reports are written first; then a worker that said goodbye is not waited for:
    // what it left is requeued right away instead of after its lease.
    this.writeHeldStarts(s);
    const done = s.idle().then(async () => {
      if (current && s.draining)
        await this.opts.store.workerUpdate(workerId, { status: 'stopped' });
    });
    const settled: Promise<void> = done
      .catch((err: unknown) => this.opts.logger.error({ err }, 'could not close worker session'))
      .finally(() => this.closing.delete(settled));
    this.closing.set(settled, workerId);
  }

  private onChange(e: ChangeEvent): void {
    if (e.kind !== 'tasks' || this.sessions.size === 0) return;
    for (const c of e.changes) this.route(c);
    if (this.pendingFetch.size > 0 && !this.fetchScheduled) {
      this.fetchScheduled = true;
      setImmediate(() => void this.fetchAssigned());
    }
  }

  private route(c: TaskChange): void {
    const s = this.holder.get(c.id);
    // A change of an earlier attempt says nothing of the one held: the co-located leader's push
    // can overtake the notification of a change committed before it.
    if (s && c.attempt >= s.held.get(c.id)!.attempt) {
      const held = s.held.get(c.id)!;
      const stillThere =
        c.workerId === s.workerId && c.attempt === held.attempt && ON_WORKER_STATES.has(c.state);
      if (!stillThere) {
        this.release(s, c.id);
        s.send({
          type: 'revoke',
          taskId: c.id,
          attempt: held.attempt,
          reason: `task is ${c.state}`,
        });
      } else if (c.want !== held.want) {
        held.want = c.want;
        held.seq = ++this.seq;
        s.send({ type: 'want', taskId: c.id, attempt: held.attempt, want: c.want });
      }
    }
    if (c.state === 'assigned' && c.workerId !== null && this.sessions.has(c.workerId)) {
      const target = this.sessions.get(c.workerId)!;
      if (target.held.get(c.id)?.attempt !== c.attempt) this.pendingFetch.set(c.id, c.attempt);
    }
  }

  /** Assignments made by a leader elsewhere (or missed by the direct path): read and push them. */
  private async fetchAssigned(): Promise<void> {
    this.fetchScheduled = false;
    // The co-located leader usually pushed these already (deliverAssigned): read only the rest.
    const ids = [...this.pendingFetch]
      .filter(([id, attempt]) => this.holder.get(id)?.held.get(id)?.attempt !== attempt)
      .map(([id]) => id);
    this.pendingFetch = new Map();
    if (ids.length === 0) return;
    try {
      const tasks = await Promise.all(ids.map((id) => this.opts.store.taskGet(id)));
      this.deliverAssigned(tasks.filter((t): t is Task => t !== null && t.state === 'assigned'));
    } catch (err) {
      // Not pushed, the worker would never hear of them: try again shortly.
      this.opts.logger.error({ err }, 'could not read assigned tasks; retrying');
      for (const id of ids) if (!this.pendingFetch.has(id)) this.pendingFetch.set(id, 0);
      if (!this.fetchScheduled) {
        this.fetchScheduled = true;
        setTimeout(() => void this.fetchAssigned(), FETCH_RETRY_MS).unref();
      }
    }
  }
}
