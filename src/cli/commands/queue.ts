import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { patchFromFlags, type QueueFlags } from '../patch-from-flags.js';
import { queueLine, queueTable } from '../render.js';

/** `queue ls|get|set|pause|resume`. */
export function registerQueueCommands(program: Command, ctx: CliContext): void {
  const queue = program.command('queue').description('see and steer queues');

  queue
    .command('ls')
    .description('queues with their settings and task counts')
    .action(async (_o: unknown, cmd: Command) => {
      const queues = await ctx.client(cmd).queues();
      ctx.output(cmd, queues, queueTable);
    });

  queue
    .command('get')
    .description('one queue')
    .argument('<name>', 'queue name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      ctx.output(cmd, await ctx.client(cmd).queue(name), queueLine);
    });

  queue
    .command('set')
    .description("change (or create) a queue's settings")
    .argument('<name>', 'queue name')
    .option('--concurrency <n>', 'at most this many running at once ("none" clears)')
    .option('--rate <N/INTERVAL>', 'at most N starts per interval, e.g. 100/1s ("none" clears)')
    .option('--key-concurrency <n>', 'running tasks allowed per concurrency key')
    .option('--strategy <strategy>', 'least-loaded, round-robin, random or weighted')
    .option('--max-attempts <n>', 'default attempts of its tasks')
    .action(async (name: string, o: QueueFlags, cmd: Command) => {
      const q = await ctx.client(cmd).setQueue(name, patchFromFlags(o));
      ctx.output(cmd, q, queueLine);
    });

  for (const [action, help] of [
    ['pause', 'place nothing more of this queue'],
    ['resume', 'place tasks of this queue again'],
  ] as const) {
    queue
      .command(action)
      .description(help)
      .argument('<name>', 'queue name')
      .action(async (name: string, _o: unknown, cmd: Command) => {
        const client = ctx.client(cmd);
        const q =
          action === 'pause' ? await client.pauseQueue(name) : await client.resumeQueue(name);
        ctx.output(cmd, q, queueLine);
      });
  }
}
