import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { workerStatus, workerTable } from '../render.js';

/** `workers ls|cordon|uncordon|drain`. */
export function registerWorkerCommands(program: Command, ctx: CliContext): void {
  const workers = program.command('workers').description('see and steer workers');

  workers
    .command('ls')
    .description('live and lost workers')
    .action(async (_o: unknown, cmd: Command) => {
      const list = await ctx.client(cmd).workers();
      ctx.output(cmd, list, (l, s) => workerTable(l, ctx.io.now(), s));
    });

  for (const [action, help] of [
    ['cordon', 'place nothing new on a worker'],
    ['uncordon', 'undo cordon'],
    ['drain', 'place nothing new on a worker and let its tasks finish'],
  ] as const) {
    workers
      .command(action)
      .description(help)
      .argument('<id>', 'worker id')
      .action(async (id: string, _o: unknown, cmd: Command) => {
        const client = ctx.client(cmd);
        const w =
          action === 'cordon'
            ? await client.cordonWorker(id)
            : action === 'drain'
              ? await client.drainWorker(id)
              : await client.uncordonWorker(id);
        ctx.output(cmd, w, (v, s) => `${v.id}  ${v.name}  ${workerStatus(v, s)}`);
      });
  }
}
