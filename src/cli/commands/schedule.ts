import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { collect } from '../flag-values.js';
import { taskLine } from '../render.js';
import { scheduleDetail, scheduleLine, scheduleTable } from '../render-schedule.js';
import {
  scheduleFromFlags,
  schedulePatchFromFlags,
  type ScheduleFlags,
} from '../schedule-from-flags.js';

/** The timing, policy and task options of `schedule add` and `schedule set`. */
function addScheduleOptions(cmd: Command): Command {
  return cmd
    .option('--cron <expr>', 'cron expression: 5 fields, or 6 with seconds first')
    .option('--tz <zone>', 'IANA time zone of the cron expression (default UTC)')
    .option('--every <duration>', 'fire every interval, e.g. 30s, 5m, 1h')
    .option('--at <time>', 'fire once, at this ISO 8601 time')
    .option('--overlap <policy>', 'while a run is active: allow, skip, buffer-one, cancel-previous')
    .option('--misfire <policy>', 'after downtime: skip, fire-once, catch-up:N')
    .option('--start <time>', 'no fire before this ISO 8601 time (set: none clears it)')
    .option('--end <time>', 'no fire after this ISO 8601 time (set: none clears it)')
    .option('--max-runs <n>', 'stop after this many fires (set: none clears it)')
    .option('--jitter <duration>', 'delay each run by up to this long, e.g. 5s')
    .option('--type <type>', "the task type (default: the schedule's name)")
    .option('--payload <json|@file>', 'the payload: JSON text, or @file holding JSON')
    .option('--queue <queue>', 'queue name (default "default")')
    .option('--priority <n>', 'higher runs first (default 0)')
    .option('--max-attempts <n>', 'attempts before a run fails for good')
    .option('--timeout <duration>', 'time limit of each attempt, e.g. 30s')
    .option('--concurrency-key <key>', 'at most one running task per key')
    .option('--label <key=value>', 'a label (repeatable)', collect)
    .option('--exec <command>', 'run a command, e.g. --exec \'sh -c "echo hi"\'')
    .option('--http <url>', 'POST the task to this URL')
    .option('--restart <policy>', 'always | on-failure: keep a long-running service up');
}

/** `schedule add|ls|get|set|rm|pause|resume|trigger`. */
export function registerScheduleCommands(program: Command, ctx: CliContext): void {
  const schedule = program.command('schedule').description('recurring and one-shot tasks');

  addScheduleOptions(
    schedule
      .command('add')
      .description(
        'define a schedule: (--cron EXPR [--tz ZONE] | --every 30s | --at ISO) and the task',
      )
      .argument('<name>', 'schedule name (unique)'),
  ).action(async (name: string, flags: ScheduleFlags, cmd: Command) => {
    const s = await ctx.client(cmd).createSchedule(scheduleFromFlags(name, flags, ctx.io.readFile));
    ctx.output(cmd, s, (v, st) => `added ${scheduleLine(v, st)}`);
  });

  addScheduleOptions(
    schedule
      .command('set')
      .description('change a schedule; a new timing applies from now')
      .argument('<name>', 'schedule name or id'),
  ).action(async (name: string, flags: ScheduleFlags, cmd: Command) => {
    const patch = schedulePatchFromFlags(flags, ctx.io.readFile);
    const s = await ctx.client(cmd).updateSchedule(name, patch);
    ctx.output(cmd, s, scheduleLine);
  });

  schedule
    .command('ls')
    .description('schedules with their next fire time')
    .action(async (_o: unknown, cmd: Command) => {
      const list = await ctx.client(cmd).schedules();
      ctx.output(cmd, list, (l, st) => scheduleTable(l, ctx.io.now(), st));
    });

  schedule
    .command('get')
    .description('a schedule with its next 5 fire times and recent runs')
    .argument('<name>', 'schedule name or id')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const s = await ctx.client(cmd).schedule(name);
      ctx.output(cmd, s, (v, st) => scheduleDetail(v, ctx.io.now(), st));
    });

  schedule
    .command('rm')
    .description('delete a schedule (the tasks it made stay)')
    .argument('<name>', 'schedule name or id')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const s = await ctx.client(cmd).deleteSchedule(name);
      ctx.output(cmd, s, (v) => `deleted ${v.name}`);
    });

  for (const [action, help] of [
    ['pause', 'stop firing until resumed'],
    ['resume', 'fire again from now on'],
  ] as const) {
    schedule
      .command(action)
      .description(help)
      .argument('<name>', 'schedule name or id')
      .action(async (name: string, _o: unknown, cmd: Command) => {
        const client = ctx.client(cmd);
        const s =
          action === 'pause' ? await client.pauseSchedule(name) : await client.resumeSchedule(name);
        ctx.output(cmd, s, scheduleLine);
      });
  }

  schedule
    .command('trigger')
    .description("run the schedule's task now, outside its timetable")
    .argument('<name>', 'schedule name or id')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const task = await ctx.client(cmd).triggerSchedule(name);
      ctx.output(cmd, task, (t, st) => `triggered ${taskLine(t, st)}`);
    });
}
