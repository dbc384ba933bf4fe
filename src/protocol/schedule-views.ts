/**
 * The shapes the schedule routes answer with. Times are ISO 8601 strings.
 */
import type { TaskView } from './views.js';

/** The task each fire makes: a TaskSpec with the queue's defaults applied. */
export type TaskTemplateView = Pick<
  TaskView,
  | 'type'
  | 'queue'
  | 'payload'
  | 'priority'
  | 'maxAttempts'
  | 'backoff'
  | 'timeoutMs'
  | 'concurrencyKey'
  | 'executor'
  | 'restart'
  | 'selector'
  | 'tolerations'
  | 'resources'
  | 'labels'
>;

export interface ScheduleView {
  id: string;
  name: string;
  /** Exactly one of cron, every (ms) and at is set. */
  cron: string | null;
  every: number | null;
  at: string | null;
  timezone: string;
  overlap: 'allow' | 'skip' | 'buffer-one' | 'cancel-previous';
  misfire: 'skip' | 'fire-once' | { catchUp: number };
  startAt: string | null;
  endAt: string | null;
  maxRuns: number | null;
  jitterMs: number;
  paused: boolean;
  task: TaskTemplateView;
  /** The next fire time; null when paused or done. */
  nextFireAt: string | null;
  /** The next five fire times (none while paused). */
  nextFires: string[];
  /** Tasks made by fires so far (manual triggers not counted). */
  runs: number;
  lastFireAt: string | null;
  /** `buffer-one`: a fire time held back until the active run ends. */
  bufferedFireAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** `GET /schedules/:id`: the schedule with its most recent runs, newest first. */
export interface ScheduleDetailView extends ScheduleView {
  recentRuns: TaskView[];
}
