import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli/program.js';
import { memoryIo } from '../src/cli/testing/memory-io.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { call, watchChanges } from './helpers/http.js';
import { tempDir } from './helpers/temp.js';

let server: RunningServer;
let base: string;
const tmp = tempDir('chronoq-schedules-');

beforeAll(async () => {
  server = await startServer({
    db: `sqlite:${tmp.dir}/schedules.db`,
    port: 0,
    logLevel: 'silent',
    concurrency: 8,
  });
  base = server.url;
});

afterAll(async () => {
  await server.shutdown({ graceMs: 0 });
  tmp.cleanup();
});

const create = (spec: unknown) => call(base, 'POST', '/api/v1/schedules', spec);

/** Resolves once `n` distinct tasks of `queue` have succeeded. */
async function succeeded(
  watch: Awaited<ReturnType<typeof watchChanges>>,
  queue: string,
  n: number,
) {
  const ids = new Set<string>();
  await watch.until((c) => {
    if (c.queue === queue && c.state === 'succeeded') ids.add(c.id);
    return ids.size >= n;
  }, 15_000);
  return ids;
}

describe('schedules over HTTP', () => {
  it.each([
    [{ name: 'x', cron: '61 * * * *', task: { type: 't' } }, 'cron', /minute/],
    [{ name: 'x', cron: '* * *', task: { type: 't' } }, 'cron', /5 fields .* or 6/],
    [{ name: 'x', cron: '0 0 0 * * * 2030', task: { type: 't' } }, 'cron', /not 7/],
    [
      { name: 'x', cron: '* * * * *', timezone: 'Mars/Olympus', task: { type: 't' } },
      'timezone',
      /IANA/,
    ],
    [{ name: 'x', every: 'often', task: { type: 't' } }, 'every', /duration/],
    [{ name: 'x', every: '10ms', task: { type: 't' } }, 'every', /at least/],
    [{ name: 'x', cron: '* * * * *', every: '1s', task: { type: 't' } }, 'every', /one of/],
    [{ name: 'x', task: { type: 't' } }, 'cron', /one of cron, every or at/],
    [
      { name: 'x', every: '1s', misfire: { catchUp: 0 }, task: { type: 't' } },
      'misfire.catchUp',
      /./,
    ],
    [{ name: 'x', every: '1s', overlap: 'queue', task: { type: 't' } }, 'overlap', /./],
    [{ name: 'x', every: '1s', task: { type: 't', delayMs: 5 } }, 'task.delayMs', /schedule sets/],
    [{ name: 'x', at: '2001-01-01T00:00:00Z', task: { type: 't' } }, 'at', /in the past/],
    [
      {
        name: 'x',
        every: '1s',
        startAt: '2031-01-02T00:00:00Z',
        endAt: '2031-01-01T00:00:00Z',
        task: { type: 't' },
      },
      'endAt',
      /after startAt/,
    ],
  ])('refuses %j with a 400 naming %s', async (spec, field, message) => {
    const r = await create(spec);
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe(field);
    expect(r.body.error.message).toMatch(message);
  });

  it('defines, lists with the next 5 fire times, changes, pauses, resumes and deletes', async () => {
    const r = await create({
      name: 'nightly',
      cron: '30 1 * * *',
      timezone: 'Europe/London',
      overlap: 'skip',
      misfire: { catchUp: 2 },
      task: { type: 'chronoq.noop', payload: { n: 1 }, queue: 'night' },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      name: 'nightly',
      cron: '30 1 * * *',
      timezone: 'Europe/London',
      overlap: 'skip',
      misfire: { catchUp: 2 },
      paused: false,
      runs: 0,
      task: { type: 'chronoq.noop', queue: 'night', payload: { n: 1 }, maxAttempts: 3 },
    });
    expect(r.body.nextFires).toHaveLength(5);
    // 01:30 London is 00:30 or 01:30 UTC, a day apart.
    for (const t of r.body.nextFires) expect(t).toMatch(/T0[01]:30:00\.000Z$/);
    expect((await create({ name: 'nightly', every: '1h', task: { type: 't' } })).status).toBe(409);

    const list = await call(base, 'GET', '/api/v1/schedules');
    expect(list.body.schedules.find((s: any) => s.name === 'nightly').nextFires).toEqual(
      r.body.nextFires,
    );

    const patched = await call(base, 'PATCH', '/api/v1/schedules/nightly', {
      cron: '0 12 * * *',
      timezone: 'UTC',
    });
    expect(patched.status).toBe(200);
    expect(patched.body.nextFires.every((t: string) => t.endsWith('T12:00:00.000Z'))).toBe(true);
    expect(patched.body.version).toBeGreaterThan(r.body.version);
    const bounded = await call(base, 'PATCH', '/api/v1/schedules/nightly', {
      endAt: '2099-01-01T00:00:00.000Z',
      maxRuns: 3,
    });
    expect(bounded.body).toMatchObject({ endAt: '2099-01-01T00:00:00.000Z', maxRuns: 3 });
    const cleared = await call(base, 'PATCH', '/api/v1/schedules/nightly', {
      endAt: null,
      maxRuns: null,
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ endAt: null, maxRuns: null });
    expect(cleared.body.nextFires).toEqual(patched.body.nextFires);
    const bad = await call(base, 'PATCH', '/api/v1/schedules/nightly', {
      timezone: 'Nowhere/Land',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('timezone');

    const paused = await call(base, 'POST', `/api/v1/schedules/${r.body.id}/pause`);
    expect(paused.body).toMatchObject({ paused: true, nextFires: [], nextFireAt: null });
    const resumed = await call(base, 'POST', '/api/v1/schedules/nightly/resume');
    expect(resumed.body.paused).toBe(false);
    expect(resumed.body.nextFires).toEqual(patched.body.nextFires);

    expect((await call(base, 'DELETE', '/api/v1/schedules/nightly')).body.deleted).toBe(true);
    expect((await call(base, 'GET', '/api/v1/schedules/nightly')).status).toBe(404);
    expect((await call(base, 'POST', '/api/v1/schedules/nightly/trigger')).status).toBe(404);
  });

  it('fires an interval schedule on time, one task per fire time, each linked to it', async () => {
    const watch = await watchChanges(base);
    const r = await create({
      name: 'fast',
      every: '300ms',
      // Every fire time gets its task even if a pass runs late on a busy machine.
      misfire: { catchUp: 100 },
      task: { type: 'chronoq.echo', payload: { hi: 1 }, queue: 'fast' },
    });
    expect(r.status).toBe(201);
    await succeeded(watch, 'fast', 4);
    watch.close();
    await call(base, 'POST', '/api/v1/schedules/fast/pause');
    const got = await call(base, 'GET', '/api/v1/schedules/fast');
    const runs = got.body.recentRuns as any[];
    expect(runs.length).toBeGreaterThanOrEqual(4);
    const fireAts = runs.map((t) => Date.parse(t.fireAt)).reverse();
    // Consecutive fire times, 300 ms apart from the first, none twice.
    fireAts.forEach((t, i) => expect(t - fireAts[0]!).toBe(i * 300));
    for (const t of runs) {
      expect(t).toMatchObject({ scheduleId: r.body.id, type: 'chronoq.echo', queue: 'fast' });
      expect(Date.parse(t.runAt)).toBe(Date.parse(t.fireAt));
    }
    expect(got.body.runs).toBe(runs.length);
    const metrics = await call(base, 'GET', '/metrics');
    expect(metrics.body).toMatch(/chronoq_schedule_lateness_seconds_count\{queue="fast"\} [1-9]/);
    expect(metrics.body).toMatch(/chronoq_schedule_fires_total\{outcome="fired"\} [1-9]/);
  });

  it('triggers a run now, outside the timetable and not counted as a fire', async () => {
    await create({ name: 'manual', cron: '0 0 1 1 *', task: { type: 'chronoq.noop' } });
    const t = await call(base, 'POST', '/api/v1/schedules/manual/trigger');
    expect(t.status).toBe(201);
    expect(t.body).toMatchObject({ type: 'chronoq.noop', fireAt: null });
    const got = await call(base, 'GET', '/api/v1/schedules/manual');
    expect(t.body.scheduleId).toBe(got.body.id);
    expect(got.body.recentRuns.map((x: any) => x.id)).toEqual([t.body.id]);
    expect(got.body.runs).toBe(0);
  });
});

describe('chronoq schedule (CLI against a real server)', () => {
  const cli = async (...argv: string[]) => {
    const io = memoryIo({ env: { CHRONOQ_URL: base } });
    const code = await run(argv, io);
    return { code, out: io.out(), err: io.err() };
  };

  it('adds, lists, shows, triggers, pauses, resumes and removes', async () => {
    const add = await cli(
      'schedule',
      'add',
      'cli-nightly',
      '--cron',
      '0 3 * * *',
      '--tz',
      'Europe/Berlin',
      '--type',
      'chronoq.noop',
      '--payload',
      '{"a":1}',
      '--overlap',
      'skip',
      '--misfire',
      'catch-up:3',
    );
    expect(add.err).toBe('');
    expect(add.code).toBe(0);
    expect(add.out).toMatch(
      /^added cli-nightly\s+active\s+cron 0 3 \* \* \* \(Europe\/Berlin\)\s+chronoq\.noop/,
    );
    const every = await cli(
      'schedule',
      'add',
      'cli-every',
      '--every',
      '1h',
      '--exec',
      'true',
      '--json',
    );
    expect(JSON.parse(every.out)).toMatchObject({
      every: 3_600_000,
      task: { type: 'cli-every', executor: { kind: 'process' } },
    });

    const ls = await cli('schedule', 'ls');
    expect(ls.out).toMatch(/^NAME\s+STATUS\s+WHEN/);
    expect(ls.out).toMatch(/cli-nightly\s+active\s+cron 0 3/);
    const get = await cli('schedule', 'get', 'cli-nightly');
    expect(get.out).toMatch(/misfire:\s+catch-up:3/);
    expect(get.out.match(/^ {2}\d{4}-\d\d-\d\dT0[12]:00:00\.000Z$/gm)).toHaveLength(5);

    const trig = await cli('schedule', 'trigger', 'cli-nightly');
    expect(trig.out).toMatch(/^triggered \S+\s+chronoq\.noop/);
    expect((await cli('schedule', 'pause', 'cli-nightly')).out).toMatch(/cli-nightly\s+paused/);
    expect((await cli('schedule', 'resume', 'cli-nightly')).out).toMatch(/cli-nightly\s+active/);
    expect((await cli('schedule', 'set', 'cli-nightly', '--cron', '0 4 * * *')).out).toMatch(
      /cron 0 4/,
    );
    expect((await cli('schedule', 'rm', 'cli-nightly')).out).toMatch(/deleted cli-nightly/);
    const gone = await cli('schedule', 'get', 'cli-nightly');
    expect(gone.code).toBe(1);
    expect(gone.err).toMatch(/not found/);
  });

  it.each([
    [['schedule', 'add', 'b', '--cron', '61 * * * *'], /cron: .*minute/],
    [['schedule', 'add', 'b', '--cron', '* * * * *', '--tz', 'Mars/Base'], /timezone: .*IANA/],
    [['schedule', 'add', 'b', '--every', 'often'], /every: must be a duration/],
    [['schedule', 'add', 'b'], /give one of --cron, --every or --at/],
    [['schedule', 'add', 'b', '--cron', '* * * * *', '--every', '1s'], /not cron and every/],
    [['schedule', 'add', 'b', '--every', '1s', '--misfire', 'sometimes'], /--misfire/],
    [['schedule', 'set', 'b'], /nothing to change/],
  ])('refuses %j with exit 2', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.err).toMatch(message);
    expect(r.code).toBe(2);
  });
});
