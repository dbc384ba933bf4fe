/**
 * When a schedule fires. Cron expressions go through the `croner` library (5 fields, or 6
 * with seconds), in an IANA time zone. Pure: "after" is always passed in.
 *
 * Daylight saving, as croner does it. A fixed-time expression (second, minute and hour each one
 * value, like `30 2 * * *`) fires once a day: at a wall-clock time that does not exist on a
 * spring-forward day (02:30 in Europe/Berlin) it fires at the first valid time after the gap
 * (03:00), and at a time that occurs twice on a fall-back day it fires at the first occurrence.
 * Every other expression (steps, lists, ranges or wildcards in those fields, such as every 15
 * minutes) fires at every real instant whose wall-clock time matches: none in the gap, and in
 * both hours of a fall-back day.
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

/** Five fields (minute first), or six (seconds first); never croner's seven (with years). */
export const CRON_MODE = '5-or-6-parts';

const cronCache = new Map<string, Cron>();

function cronOf(expr: string, timezone: string): Cron {
  const key = `${timezone}\n${expr}`;
  let c = cronCache.get(key);
  if (!c) {
    c = new Cron(expr, { timezone, paused: true, mode: CRON_MODE });
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

/** Croner answers with the first whole second strictly after `after` that matches. */
function cronNext(expr: string, timezone: string, after: number): number | null {
  const d = cronOf(expr, timezone).nextRun(new Date(after));
  return d ? d.getTime() : null;
}
