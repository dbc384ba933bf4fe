/**
 * When a schedule fires. Cron expressions go through the `croner` library (5 fields, or 6
 * with seconds), in an IANA time zone. Pure: "after" is always passed in.
 *
 * Daylight saving, as croner does it: a wall-clock time that does not exist on a
 * spring-forward day (02:30 in Europe/Berlin) fires at the first valid time after the gap
 * (03:00); a time that occurs twice on a fall-back day fires once, at its first occurrence.
 * Expressions that step through the hours (every 15 minutes, say) fire at every real instant
 * they match, in both hours of a fall-back day.
 */
import { Cron } from 'croner';

export interface ScheduleTiming {
  cron: string | null;
  /** Interval in ms; fires at `anchorAt + k * every`. */
  every: number | null;
  /** One-shot time. */
  at: number | null;
  timezone: string;
  /** The first interval fire time (startAt, or one interval after the schedule was defined). */
  anchorAt: number | null;
  startAt: number | null;
  endAt: number | null;
}

const cronCache = new Map<string, Cron>();

function cronOf(expr: string, timezone: string): Cron {
  const key = `${timezone}\n${expr}`;
  let c = cronCache.get(key);
  if (!c) {
    c = new Cron(expr, { timezone, paused: true });
    if (cronCache.size > 1000) cronCache.clear();
    cronCache.set(key, c);
  }
  return c;
}

/** The first fire time strictly after `after`, within startAt and endAt; null when none. */
export function nextFireAfter(t: ScheduleTiming, after: number): number | null {
  const from = t.startAt !== null ? Math.max(after, t.startAt - 1) : after;
  let next: number | null = null;
  if (t.cron !== null) {
    next = cronNext(t.cron, t.timezone, from);
  } else if (t.every !== null && t.anchorAt !== null) {
    next =
      from < t.anchorAt
        ? t.anchorAt
        : t.anchorAt + (Math.floor((from - t.anchorAt) / t.every) + 1) * t.every;
  } else if (t.at !== null) {
    next = t.at > from ? t.at : null;
  }
  if (next !== null && t.endAt !== null && next > t.endAt) return null;
  return next;
}

/** Croner works in whole seconds and answers strictly after a second; keep ms exact. */
function cronNext(expr: string, timezone: string, after: number): number | null {
  const d = cronOf(expr, timezone).nextRun(new Date(after));
  return d ? d.getTime() : null;
}
