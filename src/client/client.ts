import {
  tokenCreateSchema,
  type AuditPage,
  type CreatedTokenView,
  type Role,
  type TokenView,
} from '../protocol/auth.js';
import { formatDuration } from '../protocol/duration.js';
import { taskListQuerySchema } from '../protocol/queries.js';
import { queuePatchSchema, type QueuePatch } from '../protocol/queue.js';
import {
  schedulePatchSchema,
  scheduleSpecSchema,
  type SchedulePatch,
  type ScheduleSpec,
} from '../protocol/schedule.js';
import type { ScheduleDetailView, ScheduleView } from '../protocol/schedule-views.js';
import { taskBatchSchema, taskSpecSchema, type TaskSpec } from '../protocol/task-spec.js';
import type { LogLineView, QueueView, TaskPage, TaskView, WorkerView } from '../protocol/views.js';
import { ChronoqTimeoutError, ChronoqValidationError } from './errors.js';
import { fetchExchange, nodeExchange } from './exchange.js';
import { followLogs } from './follow-logs.js';
import { HttpTransport, toApiError, type FetchLike, type QueryValues } from './http.js';
import { sleep } from './sleep.js';
import { SubmitCoalescer } from './submit-coalescer.js';
import type {
  ChronoqClientOptions,
  FollowLogsOptions,
  HealthView,
  LogsOptions,
  SubmitOptions,
  TaskListOptions,
  WaitOptions,
} from './types.js';
import { validate } from './validate.js';
import { WorkflowClient } from './workflows.js';

export const DEFAULT_URL = 'http://127.0.0.1:7070';
const V1 = '/api/v1';
/** Longest single `GET …/wait` call; longer waits are made of several. */
export const WAIT_SLICE_MS = 30_000;

type TaskAction = 'cancel' | 'pause' | 'resume' | 'retry';
type WorkerAction = 'cordon' | 'uncordon' | 'drain';

/**
 * The typed client of the Chronoq HTTP API (`/api/v1`).
 *
 * Every method throws `ChronoqApiError` when the API answers with an error,
 * `ChronoqValidationError` when the input is refused before sending, and `ChronoqNetworkError`
 * when the server cannot be reached. The constructor throws `ChronoqValidationError` for a URL
 * that is not http(s).
 */
export class ChronoqClient {
  /** The server root this client calls. */
  readonly url: string;
  /** Workflows: `run`, `get`, `list`, `cancel`, `wait`. */
  readonly workflows: WorkflowClient;
  private readonly http: HttpTransport;
  private readonly coalescer: SubmitCoalescer | null;

  constructor(options: ChronoqClientOptions = {}) {
    const env = typeof process === 'undefined' ? {} : process.env;
    const token = options.token ?? env.CHRONOQ_TOKEN;
    const url = options.url || env.CHRONOQ_URL || DEFAULT_URL;
    if (!/^https?:\/\/[^/]/.test(url)) {
      throw new ChronoqValidationError(`url: "${url}" is not an http(s) URL`, 'url');
    }
    const fetchFn: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
    this.http = new HttpTransport({
      baseUrl: url,
      token: token || undefined,
      actor: options.actor,
      fetch: fetchFn,
      // A given fetch carries every request (tests record or stub it); else Node's own client.
      exchange: (!options.fetch && nodeExchange()) || fetchExchange(fetchFn),
    });
    this.url = this.http.baseUrl;
    this.workflows = new WorkflowClient(this.http);
    this.coalescer = options.batchSubmits
      ? new SubmitCoalescer({
          one: (spec) => this.sendSubmit(spec, {}),
          many: (specs) => this.sendBatch(specs, {}),
        })
      : null;
  }

  // ── tasks ────────────────────────────────────────────────────────────────

  /**
   * Submit one task. With a known idempotency key the existing task comes back. `o.traceparent`
   * (and `o.tracestate`) make the task's spans children of your trace. With `batchSubmits`, a
   * submit without trace options may travel in one batch with others made at the same moment.
   */
  async submit(spec: TaskSpec, o: SubmitOptions = {}): Promise<TaskView> {
    validate(taskSpecSchema, spec);
    if (this.coalescer && o.traceparent === undefined && o.tracestate === undefined) {
      return this.coalescer.submit(spec);
    }
    return this.sendSubmit(spec, o);
  }

  /** Submit several tasks, all or nothing. */
  async submitBatch(specs: TaskSpec[], o: SubmitOptions = {}): Promise<TaskView[]> {
    validate(taskBatchSchema, { tasks: specs });
    return this.sendBatch(specs, o);
  }

  private sendSubmit(spec: TaskSpec, o: SubmitOptions): Promise<TaskView> {
    return this.http.json<TaskView>('POST', `${V1}/tasks`, {
      body: spec,
      headers: traceHeaders(o),
    });
  }

  private async sendBatch(specs: TaskSpec[], o: SubmitOptions): Promise<TaskView[]> {
    const r = await this.http.json<{ tasks: TaskView[] }>('POST', `${V1}/tasks/batch`, {
      body: { tasks: specs },
      headers: traceHeaders(o),
    });
    return r.tasks;
  }

  /** A task with its attempts and history. */
  async get(id: string): Promise<TaskView> {
    return this.http.json<TaskView>('GET', taskPath(id));
  }

  /** One page of tasks, newest first. */
  async list(query: TaskListOptions = {}): Promise<TaskPage> {
    const q = listQuery(query);
    validate(taskListQuerySchema, q);
    return this.http.json<TaskPage>('GET', `${V1}/tasks`, { query: q });
  }

  /** Every task that matches, page after page. */
  async *listAll(query: TaskListOptions = {}): AsyncGenerator<TaskView, void, undefined> {
    for await (const page of this.pages(query)) yield* page.tasks;
  }

  /** The pages of a listing, following `nextCursor` to the end. */
  async *pages(query: TaskListOptions = {}): AsyncGenerator<TaskPage, void, undefined> {
    let cursor = query.cursor;
    for (;;) {
      const page = await this.list({ ...query, cursor });
      yield page;
      if (!page.nextCursor) return;
      cursor = page.nextCursor;
    }
  }

  /** Cancel a task (409 when it is already finished). */
  cancel(id: string): Promise<TaskView> {
    return this.act(id, 'cancel');
  }

  /** Pause a task, queued or running. */
  pause(id: string): Promise<TaskView> {
    return this.act(id, 'pause');
  }

  /** Resume a paused task. */
  resume(id: string): Promise<TaskView> {
    return this.act(id, 'resume');
  }

  /** Run a failed or cancelled task again with a fresh retry budget. */
  retry(id: string): Promise<TaskView> {
    return this.act(id, 'retry');
  }

  /**
   * Resolve with the task once it is terminal (succeeded, failed, cancelled, skipped), asking
   * the server in slices of at most 30 s. Throws `ChronoqTimeoutError` after `timeoutMs`.
   */
  async wait(id: string, o: WaitOptions = {}): Promise<TaskView> {
    const started = Date.now();
    const deadline = o.timeoutMs === undefined ? Infinity : started + o.timeoutMs;
    let last: TaskView | null = null;
    for (;;) {
      const sliceStart = Date.now();
      const slice = Math.max(0, Math.min(WAIT_SLICE_MS, deadline - sliceStart));
      const answer = await this.http.send('GET', `${taskPath(id)}/wait`, {
        query: { timeoutMs: Math.round(slice) },
        signal: o.signal,
      });
      if (answer.status === 200) return answer.body as TaskView;
      if (answer.status !== 408) throw toApiError(answer);
      last = taskOf(answer.body) ?? last;
      const now = Date.now();
      if (now >= deadline) {
        const still = last ? ` (still ${last.state})` : '';
        throw new ChronoqTimeoutError(
          `task ${id} did not finish within ${formatDuration(now - started)}${still}`,
          last,
        );
      }
      // A server that answers long before the slice is up is not waiting: do not spin.
      if (now - sliceStart < slice / 2) await sleep(Math.min(250, deadline - now), o.signal);
      o.signal?.throwIfAborted();
    }
  }

  /** The captured output of a task (all attempts unless `attempt` is given). */
  async logs(id: string, o: LogsOptions = {}): Promise<LogLineView[]> {
    const r = await this.http.json<{ lines: LogLineView[] }>('GET', `${taskPath(id)}/logs`, {
      query: { attempt: o.attempt, after: o.after },
    });
    return r.lines;
  }

  /**
   * Stream a task's log lines as they come, ending when the task is terminal or `signal`
   * aborts: `for await (const line of client.followLogs(id, { signal })) …`.
   */
  followLogs(id: string, o: FollowLogsOptions = {}): AsyncGenerator<LogLineView, void, undefined> {
    return followLogs(this.http, `${taskPath(id)}/logs`, o);
  }

  // ── queues ───────────────────────────────────────────────────────────────

  /** Every queue with its settings and its task counts by state. */
  async queues(): Promise<QueueView[]> {
    const r = await this.http.json<{ queues: QueueView[] }>('GET', `${V1}/queues`);
    return r.queues;
  }

  /** One queue (a queue exists as soon as it is named). */
  async queue(name: string): Promise<QueueView> {
    return this.http.json<QueueView>('GET', queuePath(name));
  }

  /** Change (or create) a queue's settings; `null` clears a limit. */
  async setQueue(name: string, patch: QueuePatch): Promise<QueueView> {
    validate(queuePatchSchema, patch);
    return this.http.json<QueueView>('PATCH', queuePath(name), { body: patch });
  }

  /** Stop placing tasks of this queue. */
  async pauseQueue(name: string): Promise<QueueView> {
    return this.http.json<QueueView>('POST', `${queuePath(name)}/pause`);
  }

  async resumeQueue(name: string): Promise<QueueView> {
    return this.http.json<QueueView>('POST', `${queuePath(name)}/resume`);
  }

  // ── schedules ────────────────────────────────────────────────────────────

  /** Define a schedule. A taken name is a 409. */
  async createSchedule(spec: ScheduleSpec): Promise<ScheduleView> {
    validate(scheduleSpecSchema, spec);
    return this.http.json<ScheduleView>('POST', `${V1}/schedules`, { body: spec });
  }

  /** Every schedule, by name, each with its next five fire times. */
  async schedules(): Promise<ScheduleView[]> {
    const r = await this.http.json<{ schedules: ScheduleView[] }>('GET', `${V1}/schedules`);
    return r.schedules;
  }

  /** One schedule (by id or name) with its recent runs. */
  async schedule(idOrName: string): Promise<ScheduleDetailView> {
    return this.http.json<ScheduleDetailView>('GET', schedulePath(idOrName));
  }

  /** Change a schedule; a new timing applies from now. */
  async updateSchedule(idOrName: string, patch: SchedulePatch): Promise<ScheduleView> {
    validate(schedulePatchSchema, patch);
    return this.http.json<ScheduleView>('PATCH', schedulePath(idOrName), { body: patch });
  }

  /** Delete a schedule; the tasks it made stay. */
  async deleteSchedule(idOrName: string): Promise<ScheduleView & { deleted: true }> {
    return this.http.json<ScheduleView & { deleted: true }>('DELETE', schedulePath(idOrName));
  }

  /** Stop firing until resumed. */
  async pauseSchedule(idOrName: string): Promise<ScheduleView> {
    return this.http.json<ScheduleView>('POST', `${schedulePath(idOrName)}/pause`);
  }

  /** Fire again from now on; fire times passed while paused are skipped. */
  async resumeSchedule(idOrName: string): Promise<ScheduleView> {
    return this.http.json<ScheduleView>('POST', `${schedulePath(idOrName)}/resume`);
  }

  /** Run the schedule's task now, outside its timetable; returns the new task. */
  async triggerSchedule(idOrName: string): Promise<TaskView> {
    return this.http.json<TaskView>('POST', `${schedulePath(idOrName)}/trigger`);
  }

  // ── workers ──────────────────────────────────────────────────────────────

  /** Live and lost workers. */
  async workers(): Promise<WorkerView[]> {
    const r = await this.http.json<{ workers: WorkerView[] }>('GET', `${V1}/workers`);
    return r.workers;
  }

  /** Place nothing new on a worker. */
  cordonWorker(id: string): Promise<WorkerView> {
    return this.workerAct(id, 'cordon');
  }

  uncordonWorker(id: string): Promise<WorkerView> {
    return this.workerAct(id, 'uncordon');
  }

  /** Place nothing new on a worker and let its running tasks finish. */
  drainWorker(id: string): Promise<WorkerView> {
    return this.workerAct(id, 'drain');
  }

  // ── tokens and audit (admin) ─────────────────────────────────────────────

  /** Create an API token; the answer holds its secret, which the server never shows again. */
  async createToken(name: string, role: Role): Promise<CreatedTokenView> {
    validate(tokenCreateSchema, { name, role });
    return this.http.json<CreatedTokenView>('POST', `${V1}/tokens`, { body: { name, role } });
  }

  /** Every API token (never their secrets). */
  async tokens(): Promise<TokenView[]> {
    const r = await this.http.json<{ tokens: TokenView[] }>('GET', `${V1}/tokens`);
    return r.tokens;
  }

  /** Revoke a token: it stops working at once on this replica, within seconds on others. */
  async revokeToken(id: string): Promise<TokenView & { revoked: true }> {
    return this.http.json('DELETE', `${V1}/tokens/${enc(id)}`);
  }

  /** One page of the audit log, newest first. */
  async audit(o: { limit?: number; cursor?: string } = {}): Promise<AuditPage> {
    return this.http.json<AuditPage>('GET', `${V1}/audit`, { query: o });
  }

  // ── meta ─────────────────────────────────────────────────────────────────

  /** `GET /healthz`: the server process is up. */
  async health(): Promise<HealthView> {
    return this.http.json<HealthView>('GET', '/healthz');
  }

  private act(id: string, action: TaskAction): Promise<TaskView> {
    return this.http.json<TaskView>('POST', `${taskPath(id)}/${action}`);
  }

  private workerAct(id: string, action: WorkerAction): Promise<WorkerView> {
    return this.http.json<WorkerView>('POST', `${V1}/workers/${enc(id)}/${action}`);
  }
}

/** The W3C trace context headers of a submit. */
function traceHeaders(o: SubmitOptions): Record<string, string> {
  const h: Record<string, string> = {};
  if (o.traceparent) h.traceparent = o.traceparent;
  if (o.traceparent && o.tracestate) h.tracestate = o.tracestate;
  return h;
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function taskPath(id: string): string {
  return `${V1}/tasks/${enc(id)}`;
}

function schedulePath(idOrName: string): string {
  return `${V1}/schedules/${enc(idOrName)}`;
}

function queuePath(name: string): string {
  return `${V1}/queues/${enc(name)}`;
}

/** The query string values of a listing (states joined with commas). */
function listQuery(q: TaskListOptions): Record<string, string> {
  const out: Record<string, string> = {};
  const values: QueryValues = { ...q, state: Array.isArray(q.state) ? q.state.join(',') : q.state };
  for (const [k, v] of Object.entries(values)) if (v !== undefined) out[k] = String(v);
  return out;
}

/** The task a 408 from `…/wait` carries, if any. */
function taskOf(body: unknown): TaskView | null {
  const t = (body as { task?: unknown } | null)?.task;
  return typeof t === 'object' && t !== null ? (t as TaskView) : null;
}
