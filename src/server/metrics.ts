import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Report } from '../domain/state-machine.js';
import type { Task } from '../domain/task.js';
import type { ReportResult, Store } from '../store/store.js';

const FINAL = new Set(['succeeded', 'failed', 'snoozed', 'cancelled']);

/**
 * Prometheus metrics of this replica. Counters count what this replica did (the submits it took,
 * the reports of the workers connected to it, the attempts it timed out or requeued as leader),
 * so summing over replicas gives cluster totals. Gauges read the store when scraped.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly submitted: Counter<'queue' | 'type'>;
  private readonly started: Counter<'queue' | 'type'>;
  private readonly finished: Counter<'queue' | 'type' | 'outcome'>;
  private readonly runTime: Histogram<'queue' | 'type'>;
  private readonly queueWait: Histogram<'queue'>;
  private readonly refused: Counter<'kind'>;
  private readonly pruned: Counter;
  private readonly scheduleLateness: Histogram<'queue'>;
  private readonly scheduleFires: Counter<'outcome'>;
  readonly storeLatency: Histogram<'method'>;
  private readonly requests: Counter<'method' | 'route' | 'status'>;

  constructor(deps: { store: Store; isLeader: () => boolean }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'chronoq_process_' });
    this.submitted = new Counter({
      name: 'chronoq_tasks_submitted_total',
      help: 'Tasks submitted (created) through this replica',
      labelNames: ['queue', 'type'],
      registers,
    });
    this.started = new Counter({
      name: 'chronoq_tasks_started_total',
      help: 'Attempts started on workers connected to this replica',
      labelNames: ['queue', 'type'],
      registers,
    });
    this.finished = new Counter({
      name: 'chronoq_tasks_finished_total',
      help: 'Attempts ended, by outcome: succeeded, failed (dead-lettered), retried, cancelled, snoozed, timeout, lost',
      labelNames: ['queue', 'type', 'outcome'],
      registers,
    });
    this.pruned = new Counter({
      name: 'chronoq_tasks_pruned_total',
      help: 'Finished tasks deleted by retention (--retention), by this replica as leader',
      registers,
    });
    this.refused = new Counter({
      name: 'chronoq_worker_reports_refused_total',
      help: 'Worker reports refused as stale (an attempt that is no longer current: fencing)',
      labelNames: ['kind'],
      registers,
    });
    this.runTime = new Histogram({
      name: 'chronoq_task_run_seconds',
      help: 'Run time of attempts that ended',
      labelNames: ['queue', 'type'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300, 1800],
      registers,
    });
    this.queueWait = new Histogram({
      name: 'chronoq_task_queue_wait_seconds',
      help: 'From due (or submitted) to started',
      labelNames: ['queue'],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers,
    });
    this.scheduleLateness = new Histogram({
      name: 'chronoq_schedule_lateness_seconds',
      help: 'From a schedule fire time (plus its jitter) to the start of the task it made',
      labelNames: ['queue'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers,
    });
    this.scheduleFires = new Counter({
      name: 'chronoq_schedule_fires_total',
      help: 'Schedule fire times this replica handled as leader: fired (a task made), or skipped by the misfire, overlap or maxRuns policy',
      labelNames: ['outcome'],
      registers,
    });
    this.storeLatency = new Histogram({
      name: 'chronoq_store_query_seconds',
      help: 'Latency of store calls',
      labelNames: ['method'],
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.requests = new Counter({
      name: 'chronoq_http_requests_total',
      help: 'API requests answered, by route (as catalogued) and status: 401, 403 and 429 show refusals',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    new Gauge({
      name: 'chronoq_queue_depth',
      help: 'Tasks by queue and state',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const [queue, counts] of await deps.store.taskCounts()) {
          for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n ?? 0);
        }
      },
    });
    new Gauge({
      name: 'chronoq_workers',
      help: 'Workers by status (live, lost, stopped)',
      labelNames: ['status'],
      registers,
      async collect() {
        this.reset();
        const counts: Record<string, number> = { live: 0, lost: 0, stopped: 0 };
        for (const w of await deps.store.workerList())
          counts[w.status] = (counts[w.status] ?? 0) + 1;
        for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'chronoq_leader',
      help: '1 when this replica leads',
      registers,
      collect() {
        this.set(deps.isLeader() ? 1 : 0);
      },
    });
  }

  /** One answered request; `route` is the catalogued path (`:id`, not the id) or `unmatched`. */
  requestAnswered(method: string, route: string, status: number): void {
    this.requests.inc({ method, route, status: String(status) });
  }

  taskSubmitted(task: Task): void {
    this.submitted.inc({ queue: task.queue, type: task.type });
  }

  /** Accepted worker reports: starts, and attempts that ended. */
  reported(reports: Report[], results: ReportResult[], now: number): void {
    results.forEach((r, i) => {
      const report = reports[i];
      if (report && !r.accepted) this.refused.inc({ kind: report.kind });
      if (!r.accepted || !r.task || !report) return;
      const t = r.task;
      if (report.kind === 'started') {
        this.started.inc({ queue: t.queue, type: t.type });
        if (t.startedAt !== null) {
          this.queueWait.observe(
            { queue: t.queue },
            Math.max(0, t.startedAt - (t.runAt ?? t.createdAt)) / 1000,
          );
          // The first start of a fired task: how late it ran against its fire time.
          if (t.fireAt !== null && t.runAt !== null && t.attempt === 1) {
            this.scheduleLateness.observe(
              { queue: t.queue },
              Math.max(0, t.startedAt - t.runAt) / 1000,
            );
          }
        }
      } else if (FINAL.has(report.kind)) {
        this.attemptEnded(t, report.kind === 'snoozed' ? 'snoozed' : outcomeOf(t), now);
      }
    });
  }

  /** A schedule fired as this replica led: tasks made and fire times passed over. */
  scheduleFired(created: number, skipped: number): void {
    if (created > 0) this.scheduleFires.inc({ outcome: 'fired' }, created);
    if (skipped > 0) this.scheduleFires.inc({ outcome: 'skipped' }, skipped);
  }

  tasksPruned(count: number): void {
    this.pruned.inc(count);
  }

  /** Attempts the leader ended (timeouts, lost workers). */
  attemptsEnded(tasks: Task[], why: 'timeout' | 'lost', now: number): void {
    for (const t of tasks) this.attemptEnded(t, why, now);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private attemptEnded(t: Task, outcome: string, now: number): void {
    this.finished.inc({ queue: t.queue, type: t.type, outcome });
    if (t.startedAt !== null) {
      this.runTime.observe(
        { queue: t.queue, type: t.type },
        Math.max(0, (t.finishedAt ?? now) - t.startedAt) / 1000,
      );
    }
  }
}

function outcomeOf(t: Task): string {
  return t.state === 'pending' || t.state === 'ready' || t.state === 'paused' ? 'retried' : t.state;
}

/** Time every async store call into the histogram. */
export function instrumentStore(store: Store, histogram: Histogram<'method'>): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || prop === 'subscribe' || typeof prop !== 'string') {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (...args: unknown[]) => {
        const start = performance.now();
        const out = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (out instanceof Promise) {
          return out.finally(() =>
            histogram.observe({ method: prop }, (performance.now() - start) / 1000),
          );
        }
        return out;
      };
    },
  });
}
