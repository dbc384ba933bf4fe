import {
  formatDuration,
  type LogLineView,
  type QueueView,
  type TaskStateName,
  type TaskView,
  type WorkerView,
} from '../client/index.js';
import { keyValues, pairs, relativeTime, table, truncate, type Style } from './format.js';

/** How the views of the API read in a terminal. */

/** A task state, coloured by how it ended (or that it has not). */
export function stateText(state: TaskStateName | string, s: Style): string {
  switch (state) {
    case 'succeeded':
    case 'compensated':
      return s.green(state);
    case 'compensating':
      return s.yellow(state);
    case 'failed':
      return s.red(state);
    case 'cancelled':
    case 'skipped':
      return s.dim(state);
    case 'running':
    case 'assigned':
      return s.cyan(state);
    case 'paused':
    case 'blocked':
      return s.yellow(state);
    default:
      return state;
  }
}

export function taskTable(tasks: TaskView[], now: number, s: Style): string {
  if (tasks.length === 0) return 'no tasks';
  const rows = tasks.map((t) => [
    t.id,
    truncate(t.type, 40),
    t.queue,
    stateText(t.state, s),
    String(t.attempt),
    t.priority === 0 ? '-' : String(t.priority),
    relativeTime(t.createdAt, now),
    t.error ? truncate(t.error.message.split('\n')[0] ?? '', 60) : '',
  ]);
  return table(['ID', 'TYPE', 'QUEUE', 'STATE', 'ATTEMPT', 'PRIO', 'CREATED', 'ERROR'], rows, s);
}

/** One line that says what happened to a task after an action. */
export function taskLine(t: TaskView, s: Style): string {
  const want = t.want === 'run' ? '' : ` (want ${t.want})`;
  return `${t.id}  ${t.type}  ${t.queue}  ${stateText(t.state, s)}${want}`;
}

/** A task with its attempts and events, as `chronoq get` shows it. */
export function taskDetail(t: TaskView, now: number, s: Style): string {
  const when = (iso: string | null) => (iso ? `${iso} (${relativeTime(iso, now)})` : '-');
  const fields: [string, string][] = [
    ['id', t.id],
    ['type', t.type],
    ['queue', t.queue],
    ['state', stateText(t.state, s) + (t.want === 'run' ? '' : ` (want ${t.want})`)],
    ['attempt', `${t.attempt} (${t.attemptsLeft} of ${t.maxAttempts} left)`],
    ['priority', String(t.priority)],
    ['executor', executorText(t.executor)],
    ['created', when(t.createdAt)],
  ];
  if (t.runAt) fields.push(['run at', when(t.runAt)]);
  if (t.startedAt) fields.push(['started', when(t.startedAt)]);
  if (t.finishedAt) fields.push(['finished', when(t.finishedAt)]);
  if (t.timeoutMs !== null) fields.push(['timeout', formatDuration(t.timeoutMs)]);
  if (t.workerId) fields.push(['worker', t.workerId]);
  if (t.progress !== null) fields.push(['progress', String(t.progress)]);
  if (t.idempotencyKey) fields.push(['key', t.idempotencyKey]);
  if (t.concurrencyKey) fields.push(['concurrency key', t.concurrencyKey]);
  if (Object.keys(t.labels).length > 0) fields.push(['labels', pairs(t.labels)]);
  if (t.workflowId) fields.push(['workflow', `${t.workflowId} step ${t.stepId ?? '-'}`]);
  if (t.scheduleId) fields.push(['schedule', `${t.scheduleId} fired ${t.fireAt ?? '-'}`]);
  if (t.payload !== undefined && t.payload !== null) fields.push(['payload', json(t.payload)]);
  if (t.result !== undefined && t.result !== null) fields.push(['result', json(t.result)]);
  if (t.error) fields.push(['error', s.red(t.error.message)]);
  const parts = [keyValues(fields, s)];
  if (t.attempts && t.attempts.length > 0) {
    const rows = t.attempts.map((a) => [
      String(a.attempt),
      a.outcome,
      a.workerId ?? '-',
      relativeTime(a.startedAt, now),
      a.finishedAt ? formatDuration(Date.parse(a.finishedAt) - Date.parse(a.startedAt)) : '-',
      a.error ? truncate(a.error.message.split('\n')[0] ?? '', 60) : '',
    ]);
    parts.push(
      `\n${s.bold('Attempts')}\n` +
        table(['#', 'OUTCOME', 'WORKER', 'STARTED', 'TOOK', 'ERROR'], rows, s),
    );
  }
  if (t.events && t.events.length > 0) {
    const rows = t.events.map((e) => [
      relativeTime(e.at, now),
      e.kind,
      e.from || e.to ? `${e.from ?? '-'} → ${e.to ?? '-'}` : '',
      String(e.attempt),
      e.actor ?? '',
      eventNote(e.detail),
    ]);
    parts.push(
      `\n${s.bold('Events')}\n` + table(['WHEN', 'EVENT', 'STATE', '#', 'BY', 'NOTE'], rows, s),
    );
  }
  return parts.join('\n');
}

/** The one-line gist of an event's detail: a reason, or an error message. */
function eventNote(detail: Record<string, unknown> | null): string {
  if (!detail) return '';
  if (typeof detail.reason === 'string') return detail.reason;
  const err = detail.error as { message?: unknown } | undefined;
  return typeof err?.message === 'string' ? err.message.split('\n')[0]!.slice(0, 80) : '';
}

export function queueTable(queues: QueueView[], s: Style): string {
  if (queues.length === 0) return 'no queues';
  const count = (q: QueueView, ...states: TaskStateName[]) =>
    String(states.reduce((n, st) => n + (q.counts[st] ?? 0), 0));
  const rows = queues.map((q) => [
    q.name,
    q.paused ? s.yellow('paused') : 'active',
    q.concurrency === null ? '-' : String(q.concurrency),
    q.rateLimit ? `${q.rateLimit.count}/${formatDuration(q.rateLimit.intervalMs)}` : '-',
    q.strategy,
    count(q, 'pending', 'blocked'),
    count(q, 'ready'),
    count(q, 'assigned', 'running'),
    count(q, 'paused'),
    count(q, 'succeeded'),
    count(q, 'failed'),
  ]);
  return table(
    [
      'NAME',
      'STATUS',
      'CONCURRENCY',
      'RATE',
      'STRATEGY',
      'PENDING',
      'READY',
      'RUNNING',
      'PAUSED',
      'SUCCEEDED',
      'FAILED',
    ],
    rows,
    s,
  );
}

/** A queue after a change, as one line. */
export function queueLine(q: QueueView, s: Style): string {
  const rate = q.rateLimit ? `${q.rateLimit.count}/${formatDuration(q.rateLimit.intervalMs)}` : '-';
  return (
    `${q.name}  ${q.paused ? s.yellow('paused') : 'active'}  concurrency ${q.concurrency ?? '-'}` +
    `  rate ${rate}  key concurrency ${q.keyConcurrency}  strategy ${q.strategy}`
  );
}

export function workerTable(workers: WorkerView[], now: number, s: Style): string {
  if (workers.length === 0) return 'no workers';
  const rows = workers.map((w) => [
    w.id,
    w.name,
    workerStatus(w, s),
    `${w.load}/${w.capacity}`,
    w.queues ? w.queues.join(',') : '*',
    pairs(w.labels),
    relativeTime(w.heartbeatAt, now),
  ]);
  return table(['ID', 'NAME', 'STATUS', 'LOAD', 'QUEUES', 'LABELS', 'HEARTBEAT'], rows, s);
}

export function workerStatus(w: WorkerView, s: Style): string {
  const status = w.status === 'live' ? s.green('live') : s.red(w.status);
  const flags = [w.cordoned ? 'cordoned' : '', w.draining ? 'draining' : ''].filter(Boolean);
  return flags.length === 0 ? status : `${status},${s.yellow(flags.join(','))}`;
}

/** `12:00:01.250 #1 stderr  the line` */
export function logLine(l: LogLineView, s: Style): string {
  const time = l.at.length >= 23 ? l.at.slice(11, 23) : l.at;
  const stream = l.stream.padEnd(6);
  const text =
    l.stream === 'stderr' ? s.red(l.line) : l.stream === 'system' ? s.dim(l.line) : l.line;
  return `${s.dim(`${time} #${l.attempt}`)} ${s.dim(stream)} ${text}`;
}

function executorText(e: TaskView['executor']): string {
  if (e.kind === 'process' && Array.isArray(e.command))
    return `process: ${e.command.map(shellWord).join(' ')}`;
  if (e.kind === 'http' && typeof e.url === 'string')
    return `http: ${String(e.method ?? 'POST')} ${e.url}`;
  return e.kind;
}

/** A command word as it could be typed back: quoted when it holds spaces or quotes. */
function shellWord(word: unknown): string {
  const w = String(word);
  return w === '' || /[\s'"\\$`]/.test(w) ? `'${w.replace(/'/g, `'\\''`)}'` : w;
}

function json(value: unknown): string {
  return truncate(JSON.stringify(value), 200);
}
