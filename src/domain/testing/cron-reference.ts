/**
 * A second, independent implementation of cron fire times, for tests only: it parses the
 * expression itself and walks real time minute by minute, reading each instant's wall-clock
 * time in the zone through `Intl.DateTimeFormat`. Slow and obviously right, to check the real
 * one (croner) against.
 *
 * Supported syntax: `*`, `N`, `A-B`, `*` or `A-B` with `/STEP`, and comma lists of those;
 * weekday 0-7 (0 and 7 are Sunday). Day of month and weekday combine with OR when both are
 * restricted (not `*`), as in Vixie cron; otherwise both must match.
 *
 * Daylight saving: an expression whose second, minute and hour are each one number is
 * "fixed-time": on each matching date it fires at the first instant whose wall-clock time is
 * at or past the wanted one (so a time in a spring-forward gap fires when the gap ends, and a
 * repeated fall-back time fires at its first occurrence). Any other expression fires at every
 * instant whose wall-clock time matches.
 */

const MINUTE = 60_000;
const BLOCK = 15 * MINUTE;

interface Field {
  values: Set<number>;
  star: boolean;
  single: boolean;
}

interface Parsed {
  seconds: Field;
  minutes: Field;
  hours: Field;
  dom: Field;
  months: Field;
  dow: Field;
}

function parseField(text: string, min: number, max: number): Field {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = min;
      hi = max;
    } else if (range!.includes('-')) {
      [lo, hi] = range!.split('-').map(Number) as [number, number];
    } else {
      lo = Number(range);
      hi = stepText === undefined ? lo : max;
    }
    if (![lo, hi, step].every(Number.isInteger) || lo < min || hi > max || step < 1) {
      throw new Error(`bad field ${text}`);
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, star: text === '*', single: /^\d+$/.test(text) };
}

function parse(expr: string): Parsed {
  const f = expr.trim().split(/\s+/);
  const all = f.length === 5 ? ['0', ...f] : f;
  if (all.length !== 6) throw new Error(`bad expression ${expr}`);
  const dow = parseField(all[5]!, 0, 7);
  if (dow.values.has(7)) dow.values.add(0);
  return {
    seconds: parseField(all[0]!, 0, 59),
    minutes: parseField(all[1]!, 0, 59),
    hours: parseField(all[2]!, 0, 23),
    dom: parseField(all[3]!, 1, 31),
    months: parseField(all[4]!, 1, 12),
    dow,
  };
}

/** Wall-clock time as fields, and a sortable number (yyyymmddhhmm). */
interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
  key: number;
}

/** Offsets (ms to add to UTC) by zone, read from Intl once per 15-minute block. */
class ZoneClock {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(zone: string) {
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  private intlOffset(t: number): number {
    const p: Record<string, number> = {};
    for (const part of this.fmt.formatToParts(new Date(t))) {
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    return asUtc - Math.floor(t / 1000) * 1000;
  }

  /** The offset at minute instant `t`; per minute inside a block where it changes. */
  private offset(t: number): number {
    const block = Math.floor(t / BLOCK) * BLOCK;
    let o = this.offsets.get(block);
    if (o === undefined) {
      const a = this.intlOffset(block);
      const b = this.intlOffset(block + BLOCK);
      o = a === b ? a : NaN;
      this.offsets.set(block, o);
    }
    return Number.isNaN(o) ? this.intlOffset(t) : o;
  }

  wall(t: number): Wall {
    const d = new Date(t + this.offset(t));
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    const hour = d.getUTCHours();
    const minute = d.getUTCMinutes();
    return {
      year,
      month,
      day,
      hour,
      minute,
      weekday: d.getUTCDay(),
      key: (((year * 100 + month) * 100 + day) * 100 + hour) * 100 + minute,
    };
  }
}

function dateMatches(p: Parsed, w: Wall): boolean {
  if (!p.months.values.has(w.month)) return false;
  const dom = p.dom.values.has(w.day);
  const dow = p.dow.values.has(w.weekday);
  if (!p.dom.star && !p.dow.star) return dom || dow;
  return dom && dow;
}

/**
 * The fire times of `expr` in `zone` strictly after `after`, up to `until` and at most `limit`
 * of them, in order.
 */
export function referenceFires(
  expr: string,
  zone: string,
  after: number,
  until: number,
  limit: number,
): number[] {
  const p = parse(expr);
  const clock = new ZoneClock(zone);
  const fixed = p.seconds.single && p.minutes.single && p.hours.single;
  const [sec] = [...p.seconds.values];
  const [min] = [...p.minutes.values];
  const [hour] = [...p.hours.values];
  const seconds = [...p.seconds.values].sort((a, b) => a - b);
  const out: number[] = [];
  // Start two days early, so a date that already fired before `after` is known as fired.
  const fired = new Set<number>();
  let t = Math.floor((after - 2 * 86_400_000) / MINUTE) * MINUTE;
  for (; t <= until && out.length < limit; t += MINUTE) {
    const w = clock.wall(t);
    if (fixed) {
      const date = Math.floor(w.key / 10_000);
      if (fired.has(date) || !dateMatches(p, w)) continue;
      if (w.key >= date * 10_000 + hour! * 100 + min!) {
        fired.add(date);
        const at = t + sec! * 1000;
        if (at > after && at <= until) out.push(at);
      }
      continue;
    }
    if (!dateMatches(p, w) || !p.hours.values.has(w.hour) || !p.minutes.values.has(w.minute)) {
      continue;
    }
    for (const s of seconds) {
      const at = t + s * 1000;
      if (at > after && at <= until && out.length < limit) out.push(at);
    }
  }
  return out;
}
