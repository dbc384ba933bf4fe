import type { Report } from '../domain/state-machine.js';
import type { LogLineMessage, WorkerToServer } from '../protocol/worker-messages.js';

/** Items per message, as the protocol allows. */
const MAX_PER_MESSAGE = 10_000;
/** The longest log line the protocol accepts. */
const MAX_LINE = 64 * 1024;

const FINAL = new Set<Report['kind']>(['succeeded', 'failed', 'snoozed', 'cancelled']);

export interface ReporterOptions {
  /** Log lines kept while disconnected (default 10,000); the oldest are dropped past it. */
  maxBufferedLogs?: number;
  /** Called when log lines are dropped, with how many. */
  onDrop?: (count: number) => void;
  /** Called with every report queued (observability). */
  onReport?: (report: Report) => void;
}

/**
 * Batches reports and log lines into `{ type: 'reports' }` messages, flushed on `setImmediate`,
 * so a burst of completions in one tick is one message. Repeated progress of one attempt in a
 * batch is coalesced to the latest value. While detached (disconnected) everything is kept and
 * sent after `attach`: reports are bounded by the tasks held, log lines by `maxBufferedLogs`.
 */
export class Reporter {
  private reports: Report[] = [];
  private logs: LogLineMessage[] = [];
  /** `taskId:attempt` → index in `reports` of its progress report in this batch. */
  private progressAt = new Map<string, number>();
  /**
   * Final reports the server has not acknowledged (unsent, or sent and not yet written):
   * taskId → attempt. The server still counts these tasks as held.
   */
  private readonly unsentFinal = new Map<string, number>();
  /** Final reports sent and not yet acknowledged, by the `seq` of their message. */
  private inflight: { seq: number; finals: Report[] }[] = [];
  private seq = 0;
  /** Hands a message to the connection; false when it could not (the connection is gone). */
  private send: ((message: WorkerToServer) => boolean) | null = null;
  private scheduled = false;
  private readonly maxLogs: number;
  private readonly onDrop: (count: number) => void;
  private readonly onReport: ((report: Report) => void) | undefined;

  constructor(options: ReporterOptions = {}) {
    this.maxLogs = Math.max(0, options.maxBufferedLogs ?? 10_000);
    this.onDrop = options.onDrop ?? (() => {});
    this.onReport = options.onReport;
  }

  /** Start sending on a connection (flushes what was kept). */
  attach(send: (message: WorkerToServer) => boolean): void {
    this.send = send;
    this.schedule();
  }

  /**
   * Stop sending (connection lost): keep everything until the next `attach`. Final reports sent
   * on the lost connection and never acknowledged may never have been written: they are sent
   * again (a report the server did write is then refused as stale, which changes nothing).
   */
  detach(): void {
    this.send = null;
    const resend = this.inflight.flatMap((m) => m.finals);
    this.inflight = [];
    if (resend.length > 0) this.requeue(resend, []);
  }

  /** The server wrote the reports messages up to `seq`: forget their final reports. */
  acknowledged(seq: number): void {
    while (this.inflight.length > 0 && this.inflight[0]!.seq <= seq) {
      for (const r of this.inflight.shift()!.finals) {
        if (this.unsentFinal.get(r.taskId) === r.attempt) this.unsentFinal.delete(r.taskId);
      }
    }
  }

  get attached(): boolean {
    return this.send !== null;
  }

  /** Reports and log lines waiting to be sent. */
  get pending(): number {
    return this.reports.length + this.logs.length;
  }

  /** Attempts whose final report is not yet acknowledged (the worker still holds them for the server). */
  unsent(): { taskId: string; attempt: number }[] {
    return [...this.unsentFinal].map(([taskId, attempt]) => ({ taskId, attempt }));
  }

  report(report: Report): void {
    this.onReport?.(report);
    this.queue(report);
  }

  private queue(report: Report): void {
    if (report.kind === 'progress') {
      const key = `${report.taskId}:${report.attempt}`;
      const at = this.progressAt.get(key);
      if (at !== undefined) {
        this.reports[at] = report;
        return;
      }
      this.progressAt.set(key, this.reports.length);
    } else if (FINAL.has(report.kind)) {
      this.unsentFinal.set(report.taskId, report.attempt);
    }
    this.reports.push(report);
    this.schedule();
  }

  log(taskId: string, attempt: number, stream: LogLineMessage['stream'], line: string): void {
    this.logs.push({
      taskId,
      attempt,
      stream,
      line: line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line,
      at: Date.now(),
    });
    if (this.send === null && this.logs.length > this.maxLogs) {
      const drop = this.logs.length - this.maxLogs;
      this.logs.splice(0, drop);
      this.onDrop(drop);
    }
    this.schedule();
  }

  /** Send everything now (when attached). */
  flush(): void {
    this.scheduled = false;
    const send = this.send;
    if (send === null || (this.reports.length === 0 && this.logs.length === 0)) return;
    const reports = this.reports;
    const logs = this.logs;
    this.reports = [];
    this.logs = [];
    this.progressAt = new Map();
    const total = Math.max(reports.length, logs.length);
    for (let i = 0; i < total; i += MAX_PER_MESSAGE) {
      const r = total <= MAX_PER_MESSAGE ? reports : reports.slice(i, i + MAX_PER_MESSAGE);
      const l = total <= MAX_PER_MESSAGE ? logs : logs.slice(i, i + MAX_PER_MESSAGE);
      const seq = ++this.seq;
      if (!send({ type: 'reports', seq, reports: r, logs: l })) {
        // The connection is gone: keep the rest for the next one.
        this.send = null;
        this.requeue(reports.slice(i), logs.slice(i));
        break;
      }
      const finals = r.filter((report) => FINAL.has(report.kind));
      if (finals.length > 0) this.inflight.push({ seq, finals });
    }
  }

  private requeue(reports: Report[], logs: LogLineMessage[]): void {
    const later = this.reports;
    this.reports = [];
    for (const r of [...reports, ...later]) this.queue(r);
    this.logs = [...logs, ...this.logs];
  }

  private schedule(): void {
    if (this.scheduled || this.send === null) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }
}
