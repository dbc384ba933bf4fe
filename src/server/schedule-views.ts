import { upcomingFires, type Schedule } from '../domain/schedule.js';
import type { ScheduleView, TaskTemplateView } from '../protocol/schedule-views.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** How many upcoming fire times a schedule view lists. */
export const UPCOMING_FIRES = 5;

export function toScheduleView(s: Schedule): ScheduleView {
  const t = s.task;
  const task: TaskTemplateView = {
    type: t.type,
    queue: t.queue,
    payload: t.payload,
    priority: t.priority,
    maxAttempts: t.maxAttempts,
    backoff: t.backoff,
    timeoutMs: t.timeoutMs,
    concurrencyKey: t.concurrencyKey,
    executor: t.executor,
    restart: t.restart,
    selector: t.selector,
    tolerations: t.tolerations,
    resources: t.resources,
    labels: t.labels,
  };
  return {
    id: s.id,
    name: s.name,
    cron: s.cron,
    every: s.every,
    at: isoOrNull(s.at),
    timezone: s.timezone,
    overlap: s.overlap,
    misfire: s.misfire,
    startAt: isoOrNull(s.startAt),
    endAt: isoOrNull(s.endAt),
    maxRuns: s.maxRuns,
    jitterMs: s.jitterMs,
    paused: s.paused,
    task,
    nextFireAt: s.paused ? null : isoOrNull(s.nextFireAt),
    nextFires: s.paused ? [] : upcomingFires(s, UPCOMING_FIRES).map(iso),
    runs: s.runs,
    lastFireAt: isoOrNull(s.lastFireAt),
    bufferedFireAt: isoOrNull(s.bufferedFireAt),
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
    version: s.version,
  };
}
