import { describe, expect, it } from 'vitest';
import { nextFireAfter, type ScheduleTiming } from './schedule-time.js';
import { referenceFires } from './testing/cron-reference.js';

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function timing(over: Partial<ScheduleTiming>): ScheduleTiming {
  return {
    cron: null,
    every: null,
    at: null,
    timezone: 'UTC',
    anchorAt: null,
    startAt: null,
    endAt: null,
    ...over,
  };
}

/** The next `n` fire times after `from`, as ISO strings. */
function fires(t: ScheduleTiming, from: string, n: number): (string | null)[] {
  const out: (string | null)[] = [];
  let at: number | null = ms(from);
  for (let i = 0; i < n && at !== null; i++) {
    at = nextFireAfter(t, at);
    out.push(iso(at));
  }
  return out;
}

const cron = (expr: string, timezone = 'UTC') => timing({ cron: expr, timezone });

describe('nextFireAfter: cron, known tables', () => {
  it.each([
    [
      '*/5 * * * *',
      '2024-01-01T00:00:00.000Z',
      ['2024-01-01T00:05:00.000Z', '2024-01-01T00:10:00.000Z'],
    ],
    [
      '*/5 * * * *',
      '2024-01-01T00:04:59.999Z',
      ['2024-01-01T00:05:00.000Z', '2024-01-01T00:10:00.000Z'],
    ],
    [
      '0 9 * * 1-5',
      '2024-01-05T10:00:00.000Z',
      ['2024-01-08T09:00:00.000Z', '2024-01-09T09:00:00.000Z'],
    ],
    [
      '0 0 1 * *',
      '2024-01-15T00:00:00.000Z',
      ['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ],
    ['0 0 29 2 *', '2024-03-01T00:00:00.000Z', ['2028-02-29T00:00:00.000Z']],
    [
      '*/10 * * * * *',
      '2024-01-01T00:00:00.500Z',
      ['2024-01-01T00:00:10.000Z', '2024-01-01T00:00:20.000Z'],
    ],
    ['30 15 10 * * *', '2024-01-01T10:15:30.000Z', ['2024-01-02T10:15:30.000Z']],
    // Day of month OR weekday when both are restricted (Vixie cron).
    [
      '0 0 13 * 5',
      '2024-09-01T00:00:00.000Z',
      ['2024-09-06T00:00:00.000Z', '2024-09-13T00:00:00.000Z', '2024-09-20T00:00:00.000Z'],
    ],
  ])('%s after %s', (expr, from, want) => {
    expect(fires(cron(expr), from, want.length)).toEqual(want);
  });

  it('reads the expression in its time zone', () => {
    expect(fires(cron('0 9 * * *', 'Asia/Tokyo'), '2024-05-31T12:00:00Z', 2)).toEqual([
      '2024-06-01T00:00:00.000Z',
      '2024-06-02T00:00:00.000Z',
    ]);
    expect(fires(cron('0 9 * * *', 'Asia/Kolkata'), '2024-06-01T00:00:00Z', 1)).toEqual([
      '2024-06-01T03:30:00.000Z',
    ]);
  });
});

describe('nextFireAfter: daylight saving', () => {
  it.each([
    // America/New_York springs forward 2024-03-10 02:00 EST → 03:00 EDT.
    [
      'New York, a daily time in the gap fires when the gap ends',
      '30 2 * * *',
      'America/New_York',
      '2024-03-09T12:00:00Z',
      ['2024-03-10T07:00:00.000Z', '2024-03-11T06:30:00.000Z'],
    ],
    [
      'New York, a daily time before the gap is unaffected',
      '30 1 * * *',
      'America/New_York',
      '2024-03-09T12:00:00Z',
      ['2024-03-10T06:30:00.000Z', '2024-03-11T05:30:00.000Z'],
    ],
    [
      'New York, every 30 minutes skips the hour that does not exist',
      '*/30 * * * *',
      'America/New_York',
      '2024-03-10T06:10:00Z',
      ['2024-03-10T06:30:00.000Z', '2024-03-10T07:00:00.000Z', '2024-03-10T07:30:00.000Z'],
    ],
    // America/New_York falls back 2024-11-03 02:00 EDT → 01:00 EST.
    [
      'New York, a daily time that occurs twice fires once, at the first',
      '30 1 * * *',
      'America/New_York',
      '2024-11-02T12:00:00Z',
      ['2024-11-03T05:30:00.000Z', '2024-11-04T06:30:00.000Z'],
    ],
    [
      'New York, every 30 minutes fires in both 1 AM hours',
      '*/30 * * * *',
      'America/New_York',
      '2024-11-03T04:50:00Z',
      [
        '2024-11-03T05:00:00.000Z',
        '2024-11-03T05:30:00.000Z',
        '2024-11-03T06:00:00.000Z',
        '2024-11-03T06:30:00.000Z',
        '2024-11-03T07:00:00.000Z',
      ],
    ],
    // Europe/London springs forward 2024-03-31 01:00 GMT → 02:00 BST, falls back 2024-10-27 02:00 BST → 01:00 GMT.
    [
      'London, 01:30 on the spring-forward day fires at 02:00 BST',
      '30 1 * * *',
      'Europe/London',
      '2024-03-30T12:00:00Z',
      ['2024-03-31T01:00:00.000Z', '2024-04-01T00:30:00.000Z'],
    ],
    [
      'London, 01:30 on the fall-back day fires once',
      '30 1 * * *',
      'Europe/London',
      '2024-10-26T12:00:00Z',
      ['2024-10-27T00:30:00.000Z', '2024-10-28T01:30:00.000Z'],
    ],
    [
      'London, hourly at :15 fires in both 1 AM hours',
      '15 * * * *',
      'Europe/London',
      '2024-10-26T23:30:00Z',
      ['2024-10-27T00:15:00.000Z', '2024-10-27T01:15:00.000Z', '2024-10-27T02:15:00.000Z'],
    ],
    [
      'London, hourly at :15 has no 01:15 on the spring-forward day',
      '15 * * * *',
      'Europe/London',
      '2024-03-30T23:30:00Z',
      ['2024-03-31T00:15:00.000Z', '2024-03-31T01:15:00.000Z', '2024-03-31T02:15:00.000Z'],
    ],
    [
      'Berlin, 02:15 on the spring-forward day fires at 03:00 CEST',
      '15 2 * * *',
      'Europe/Berlin',
      '2024-03-30T12:00:00Z',
      ['2024-03-31T01:00:00.000Z', '2024-04-01T00:15:00.000Z'],
    ],
  ])('%s', (_what, expr, zone, from, want) => {
    expect(fires(cron(expr, zone), from, want.length)).toEqual(want);
  });

  it('a daily 09:00 keeps its wall-clock time across the change (23 and 25 hour days)', () => {
    const got = fires(cron('0 9 * * *', 'America/New_York'), '2024-03-09T00:00:00Z', 3);
    expect(got).toEqual([
      '2024-03-09T14:00:00.000Z',
      '2024-03-10T13:00:00.000Z',
      '2024-03-11T13:00:00.000Z',
    ]);
  });
});

describe('nextFireAfter: every, at, startAt and endAt', () => {
  it('fires every interval from its anchor, whatever "after" is', () => {
    const t = timing({ every: 30_000, anchorAt: ms('2024-01-01T00:00:10Z') });
    expect(fires(t, '2023-12-31T00:00:00Z', 3)).toEqual([
      '2024-01-01T00:00:10.000Z',
      '2024-01-01T00:00:40.000Z',
      '2024-01-01T00:01:10.000Z',
    ]);
    expect(iso(nextFireAfter(t, ms('2024-01-01T00:00:40Z')))).toBe('2024-01-01T00:01:10.000Z');
    expect(iso(nextFireAfter(t, ms('2024-01-01T00:00:39.999Z')))).toBe('2024-01-01T00:00:40.000Z');
  });

  it('fires a one-shot once', () => {
    const t = timing({ at: ms('2024-05-01T12:00:00Z') });
    expect(fires(t, '2024-01-01T00:00:00Z', 2)).toEqual(['2024-05-01T12:00:00.000Z', null]);
  });

  it('keeps to startAt and endAt (both inclusive)', () => {
    const t = timing({
      cron: '0 * * * *',
      startAt: ms('2024-01-01T03:00:00Z'),
      endAt: ms('2024-01-01T05:00:00Z'),
    });
    expect(fires(t, '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-01T03:00:00.000Z',
      '2024-01-01T04:00:00.000Z',
      '2024-01-01T05:00:00.000Z',
      null,
    ]);
  });
});

/** A small seeded generator, so the property test is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('property: croner agrees with a brute-force minute-by-minute matcher', () => {
  const random = rng(20240310);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

  const ZONES = [
    'UTC',
    'America/New_York',
    'Europe/London',
    'Europe/Berlin',
    'Australia/Sydney',
    'Australia/Lord_Howe',
    'America/Sao_Paulo',
    'Asia/Kolkata',
    'Pacific/Chatham',
    'America/Santiago',
  ];
  // Starts just before transitions of 2024 and 2025 (and some ordinary days).
  const STARTS = [
    '2024-03-09T20:00:00Z',
    '2024-03-30T20:00:00Z',
    '2024-04-06T10:00:00Z',
    '2024-09-07T20:00:00Z',
    '2024-09-28T10:00:00Z',
    '2024-10-05T10:00:00Z',
    '2024-10-26T20:00:00Z',
    '2024-11-02T20:00:00Z',
    '2025-03-08T20:00:00Z',
    '2025-03-29T20:00:00Z',
    '2025-06-15T00:00:00Z',
    '2025-10-25T20:00:00Z',
  ];

  const timeField = (max: number): string => {
    switch (int(0, 5)) {
      case 0:
        return '*';
      case 1:
        return `*/${int(2, Math.min(30, max))}`;
      case 2: {
        const a = int(0, max - 1);
        return `${a}-${int(a + 1, max)}`;
      }
      case 3:
        return `${int(0, max)},${int(0, max)}`;
      default:
        return String(int(0, max));
    }
  };
  const dateFields = (): string => {
    const dom = random() < 0.75 ? '*' : pick(['1-15', '10,20,28', String(int(1, 28))]);
    const dow = random() < 0.7 ? '*' : pick(['1-5', '0,6', String(int(0, 7))]);
    return `${dom} * ${dow}`;
  };
  const expression = (): string => {
    const minute = random() < 0.5 ? String(int(0, 59)) : timeField(59);
    const hour = random() < 0.5 ? String(int(0, 23)) : timeField(23);
    const body = `${minute} ${hour} ${dateFields()}`;
    return random() < 0.25 ? `${random() < 0.5 ? '0' : `*/${int(10, 30)}`} ${body}` : body;
  };

  const cases = Array.from({ length: 120 }, () => ({
    expr: expression(),
    zone: pick(ZONES),
    from: ms(pick(STARTS)) + int(0, 86_400) * 1000,
  }));

  it('over 120 random expressions, zones and starts near DST changes', () => {
    const DAYS = 10;
    for (const c of cases) {
      const until = c.from + DAYS * 86_400_000;
      const want = referenceFires(c.expr, c.zone, c.from, until, 12);
      const t = cron(c.expr, c.zone);
      const got: number[] = [];
      let at: number | null = c.from;
      while (got.length < want.length) {
        at = nextFireAfter(t, at!);
        if (at === null) break;
        got.push(at);
      }
      const label = `${c.expr} in ${c.zone} after ${iso(c.from)}`;
      expect(got.map(iso), label).toEqual(want.map(iso));
      if (want.length < 12) {
        // Fewer than 12 in the window: croner's next one must be past it too.
        const next = nextFireAfter(t, want.at(-1) ?? c.from);
        expect(next === null || next > until, label).toBe(true);
      }
    }
  });
});
