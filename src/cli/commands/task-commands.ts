import type { Command } from 'commander';
import { ChronoqTimeoutError, type TaskView } from '../../client/index.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit.js';
import { collect, parseDurationFlag, parseIntFlag } from '../flag-values.js';
import { logLine, taskDetail, taskLine, taskTable } from '../render.js';
import { specFromFlags, type TaskFlags } from '../spec-from-flags.js';

interface SubmitFlags extends TaskFlags {
  wait?: boolean;
  waitTimeout?: string;
}

/** `submit`, `get`, `ls`, `cancel|pause|resume|retry`, `wait`, `logs`. */
export function registerTaskCommands(program: Command, ctx: CliContext): void {
  addTaskOptions(
    program
      .command('submit')
      .description('submit a task')
      .argument('<type>', 'the handler name, e.g. email.send'),
  )
    .option('--wait', 'wait until the task finishes; exit 0 only if it succeeded')
    .option('--wait-timeout <duration>', 'with --wait: give up after this long')
    .action(async (type: string, flags: SubmitFlags, cmd: Command) => {
      const client = ctx.client(cmd);
      const waitTimeout =
        flags.waitTimeout === undefined
          ? undefined
          : parseDurationFlag('--wait-timeout', flags.waitTimeout);
      const task = await client.submit(specFromFlags(type, flags, ctx.io.readFile));
      if (!flags.wait) {
        ctx.output(cmd, task, (t, s) => `submitted ${taskLine(t, s)}`);
        return;
      }
      if (!ctx.json(cmd)) ctx.warn(`submitted ${task.id}, waiting…`);
      await finish(ctx, cmd, await waitFor(ctx, cmd, task.id, waitTimeout));
    });

  program
    .command('get')
    .description('show a task with its attempts and events')
    .argument('<id>', 'task id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const task = await ctx.client(cmd).get(id);
      ctx.output(cmd, task, (t, s) => taskDetail(t, ctx.io.now(), s));
    });

  program
    .command('ls')
    .description('list tasks, newest first')
    .option('--state <states>', 'only these states (comma-separated, e.g. failed,cancelled)')
    .option('--queue <queue>', 'only this queue')
    .option('--type <type>', 'only this type')
    .option('--label <key=value>', 'only tasks with this label')
    .option('--workflow <id>', 'only steps of this workflow')
    .option('--limit <n>', 'at most this many (1-1000, default 50)')
    .option('--cursor <cursor>', 'continue a previous listing')
    .action(async (o: ListFlags, cmd: Command) => {
      const client = ctx.client(cmd);
      const page = await client.list({
        state: o.state,
        queue: o.queue,
        type: o.type,
        label: o.label,
        workflowId: o.workflow,
        limit: o.limit === undefined ? undefined : parseIntFlag('--limit', o.limit),
        cursor: o.cursor,
      });
      ctx.output(cmd, page, (p, s) => taskTable(p.tasks, ctx.io.now(), s));
      if (!ctx.json(cmd) && page.nextCursor) ctx.warn(`more: --cursor ${page.nextCursor}`);
    });

  for (const [action, help] of [
    ['cancel', 'cancel a task'],
    ['pause', 'pause a task, queued or running'],
    ['resume', 'resume a paused task'],
    ['retry', 'run a failed or cancelled task again'],
  ] as const) {
    program
      .command(action)
      .description(help)
      .argument('<id>', 'task id')
      .action(async (id: string, _o: unknown, cmd: Command) => {
        const task = await ctx.client(cmd)[action](id);
        ctx.output(cmd, task, taskLine);
      });
  }

  program
    .command('wait')
    .description('wait until a task finishes; exit 0 only if it succeeded')
    .argument('<id>', 'task id')
    .option('--timeout <duration>', 'give up after this long (default: wait for ever)')
    .action(async (id: string, o: { timeout?: string }, cmd: Command) => {
      const timeout =
        o.timeout === undefined ? undefined : parseDurationFlag('--timeout', o.timeout);
      await finish(ctx, cmd, await waitFor(ctx, cmd, id, timeout));
    });

  program
    .command('logs')
    .description("print a task's captured output")
    .argument('<id>', 'task id')
    .option('-f, --follow', 'keep printing new lines until the task finishes')
    .option('--attempt <n>', 'only this attempt')
    .action(async (id: string, o: { follow?: boolean; attempt?: string }, cmd: Command) => {
      const client = ctx.client(cmd);
      const attempt = o.attempt === undefined ? undefined : parseIntFlag('--attempt', o.attempt);
      const style = ctx.style(cmd);
      if (!o.follow) {
        const lines = await client.logs(id, { attempt });
        if (ctx.json(cmd)) ctx.printJson({ lines });
        else for (const l of lines) ctx.print(logLine(l, style));
        return;
      }
      const ac = new AbortController();
      const off = ctx.io.onSignal(() => ac.abort());
      try {
        for await (const l of client.followLogs(id, { attempt, signal: ac.signal })) {
          if (ctx.json(cmd)) ctx.printJson(l, true);
          else ctx.print(logLine(l, style));
        }
      } finally {
        off();
      }
    });
}

interface ListFlags {
  state?: string;
  queue?: string;
  type?: string;
  label?: string;
  workflow?: string;
  limit?: string;
  cursor?: string;
}

/** The options that describe a task (kept together for any command that makes tasks). */
export function addTaskOptions(cmd: Command): Command {
  return cmd
    .option('--payload <json|@file>', 'the payload: JSON text, or @file holding JSON')
    .option('--queue <queue>', 'queue name (default "default")')
    .option('--priority <n>', 'higher runs first (default 0)')
    .option('--delay <duration>', 'run after this long, e.g. 10s, 5m')
    .option('--at <time>', 'run at this ISO 8601 time')
    .option('--max-attempts <n>', 'attempts before the task fails for good')
    .option('--timeout <duration>', 'time limit of each attempt, e.g. 30s')
    .option('--key <idempotency-key>', 'same key and queue: the same task')
    .option('--concurrency-key <key>', 'at most one running task per key')
    .option('--label <key=value>', 'a label (repeatable)', collect)
    .option('--exec <command>', 'run a command, e.g. --exec \'sh -c "echo hi"\'')
    .option('--http <url>', 'POST the task to this URL')
    .option('--restart <policy>', 'always | on-failure: keep a long-running service up');
}

/** Wait for a task, turning a timeout into an error line that keeps the last seen state. */
async function waitFor(
  ctx: CliContext,
  cmd: Command,
  id: string,
  timeoutMs: number | undefined,
): Promise<TaskView> {
  const ac = new AbortController();
  const off = ctx.io.onSignal(() => ac.abort());
  try {
    return await ctx.client(cmd).wait(id, { timeoutMs, signal: ac.signal });
  } catch (err) {
    if (err instanceof ChronoqTimeoutError && err.task && ctx.json(cmd)) ctx.printJson(err.task);
    throw err;
  } finally {
    off();
  }
}

/** Print the final task; the exit code says whether it succeeded. */
async function finish(ctx: CliContext, cmd: Command, task: TaskView): Promise<void> {
  ctx.output(cmd, task, (t, s) => taskDetail(t, ctx.io.now(), s));
  if (task.state !== 'succeeded') {
    ctx.exitCode = EXIT.failure;
    const why = task.error ? `: ${task.error.message}` : '';
    ctx.warn(`error: task ${task.id} ${task.state}${why}`);
  }
}
