import { formatDuration, type ScheduleDetailView, type ScheduleView } from '../client/index.js';
import { keyValues, relativeTime, table, type Style } from './format.js';
import { taskTable } from './render.js';

/** How schedules read in a terminal. */

/** `cron 0 3 * * * (Europe/Berlin)`, `every 30s` or `at 2030-01-01T00:00:00.000Z`. */
export function timingText(s: ScheduleView): string {
  if (s.cron !== null) return `cron ${s.cron}${s.timezone === 'UTC' ? '' : ` (${s.timezone})`}`;
  if (s.every !== null) return `every ${formatDuration(s.every)}`;
  return `at ${s.at ?? '-'}`;
}

export function scheduleStatus(s: ScheduleView, st: Style): string {
  if (s.paused) return st.yellow('paused');
  return s.nextFireAt === null ? st.dim('done') : st.green('active');
}

function misfireText(m: ScheduleView['misfire']): string {
  return typeof m === 'string' ? m : `catch-up:${m.catchUp}`;
}

export function scheduleTable(list: ScheduleView[], now: number, st: Style): string {
  if (list.length === 0) return 'no schedules';
  const rows = list.map((s) => [
    s.name,
    scheduleStatus(s, st),
    timingText(s),
    s.task.type,
    s.nextFireAt ? `${s.nextFireAt} (${relativeTime(s.nextFireAt, now)})` : '-',
    String(s.runs),
    relativeTime(s.lastFireAt, now),
  ]);
  return table(['NAME', 'STATUS', 'WHEN', 'TASK', 'NEXT', 'RUNS', 'LAST'], rows, st);
}

/** A schedule after a change, as one line. */
export function scheduleLine(s: ScheduleView, st: Style): string {
  const next = s.nextFireAt ? `  next ${s.nextFireAt}` : '';
  return `${s.name}  ${scheduleStatus(s, st)}  ${timingText(s)}  ${s.task.type}${next}`;
}

/** A schedule with its next fire times and recent runs, as `schedule get` shows it. */
export function scheduleDetail(
  s: ScheduleDetailView | ScheduleView,
  now: number,
  st: Style,
): string {
  const fields: [string, string][] = [
    ['id', s.id],
    ['name', s.name],
    ['status', scheduleStatus(s, st)],
    ['when', timingText(s)],
    ['task', `${s.task.type} in ${s.task.queue}`],
    ['overlap', s.overlap],
    ['misfire', misfireText(s.misfire)],
    ['runs', s.maxRuns === null ? String(s.runs) : `${s.runs} of ${s.maxRuns}`],
  ];
  if (s.startAt) fields.push(['start', s.startAt]);
  if (s.endAt) fields.push(['end', s.endAt]);
  if (s.jitterMs > 0) fields.push(['jitter', formatDuration(s.jitterMs)]);
  if (s.lastFireAt)
    fields.push(['last fire', `${s.lastFireAt} (${relativeTime(s.lastFireAt, now)})`]);
  if (s.bufferedFireAt) fields.push(['held back', s.bufferedFireAt]);
  const parts = [keyValues(fields, st)];
  if (s.nextFires.length > 0) {
    parts.push(`\n${st.bold('Next fire times')}\n${s.nextFires.map((t) => `  ${t}`).join('\n')}`);
  }
  if ('recentRuns' in s && s.recentRuns.length > 0) {
    parts.push(`\n${st.bold('Recent runs')}\n${taskTable(s.recentRuns, now, st)}`);
  }
  return parts.join('\n');
}
