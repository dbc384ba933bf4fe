import type { Command } from 'commander';
import {
  ChronoqTimeoutError,
  readWorkflowText,
  type WorkflowSpec,
  type WorkflowView,
} from '../../client/index.js';
import type { CliContext } from '../context.js';
import { EXIT, UsageError } from '../exit.js';
import { parseDurationFlag, parseIntFlag } from '../flag-values.js';
import { workflowDetail, workflowTable } from '../render-workflow.js';

/** `workflow run FILE [--wait]`, `workflow get|ls|cancel`. */
export function registerWorkflowCommands(program: Command, ctx: CliContext): void {
  const wf = program.command('workflow').description('run and watch workflows (DAGs of steps)');

  wf.command('run')
    .description('start the workflow a JSON or YAML file describes')
    .argument(
      '<file>',
      'the workflow: {name, onFailure?, steps: [{id, dependsOn?, when?, task, compensate?}]}',
    )
    .option('--wait', 'wait until it ends; exit 0 only if it succeeded')
    .option('--wait-timeout <duration>', 'with --wait: give up after this long')
    .action(async (file: string, flags: { wait?: boolean; waitTimeout?: string }, cmd: Command) => {
      let text: string;
      try {
        text = ctx.io.readFile(file);
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
      }
      let spec: WorkflowSpec;
      try {
        spec = readWorkflowText(text, file) as WorkflowSpec;
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const client = ctx.client(cmd);
      const started = await client.workflows.run(spec);
      if (!flags.wait) {
        ctx.output(cmd, started, (w, s) => workflowDetail(w, ctx.io.now(), s));
        return;
      }
      if (!ctx.json(cmd)) ctx.warn(`started workflow ${started.id}, waiting…`);
      const timeoutMs =
        flags.waitTimeout === undefined
          ? undefined
          : parseDurationFlag('--wait-timeout', flags.waitTimeout);
      const ac = new AbortController();
      const off = ctx.io.onSignal(() => ac.abort());
      let done: WorkflowView;
      try {
        done = await client.workflows.wait(started.id, { timeoutMs, signal: ac.signal });
      } catch (err) {
        if (err instanceof ChronoqTimeoutError) ctx.exitCode = EXIT.failure;
        throw err;
      } finally {
        off();
      }
      ctx.output(cmd, done, (w, s) => workflowDetail(w, ctx.io.now(), s));
      if (done.state !== 'succeeded') {
        ctx.exitCode = EXIT.failure;
        ctx.warn(
          `error: workflow ${done.id} ${done.state}${done.error ? `: ${done.error.message}` : ''}`,
        );
      }
    });

  wf.command('get')
    .description("show a workflow: every step's state and what it depends on")
    .argument('<id>', 'workflow id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const w = await ctx.client(cmd).workflows.get(id);
      ctx.output(cmd, w, (v, s) => workflowDetail(v, ctx.io.now(), s));
    });

  wf.command('ls')
    .description('list workflows, newest first')
    .option('--state <state>', 'only this state (running, succeeded, failed, compensating, …)')
    .option('--limit <n>', 'at most this many (1-500, default 50)')
    .option('--cursor <cursor>', 'continue a previous listing')
    .action(async (o: { state?: string; limit?: string; cursor?: string }, cmd: Command) => {
      const page = await ctx.client(cmd).workflows.list({
        state: o.state as WorkflowView['state'] | undefined,
        limit: o.limit === undefined ? undefined : parseIntFlag('--limit', o.limit),
        cursor: o.cursor,
      });
      ctx.output(cmd, page, (p, s) => {
        const more = p.nextCursor ? `\nmore: --cursor ${p.nextCursor}` : '';
        return workflowTable(p.workflows, ctx.io.now(), s) + more;
      });
    });

  wf.command('cancel')
    .description('cancel a workflow: running steps are cancelled, the rest skipped')
    .argument('<id>', 'workflow id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const w = await ctx.client(cmd).workflows.cancel(id);
      ctx.output(cmd, w, (v, s) => workflowDetail(v, ctx.io.now(), s));
    });
}
