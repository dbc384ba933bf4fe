import { Command, CommanderError } from 'commander';
import { registerQueueCommands } from './commands/queue.js';
import { registerScheduleCommands } from './commands/schedule.js';
import { registerServerCommand } from './commands/server.js';
import { registerTaskCommands } from './commands/task-commands.js';
import { registerTokenCommands } from './commands/tokens.js';
import { registerWorkerCommands } from './commands/workers.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerWorkflowCommands } from './commands/workflow.js';
import { CliContext } from './context.js';
import { EXIT, errorLine, exitCodeOf } from './exit.js';
import type { CliIo } from './io.js';
import { VERSION } from '../server/version.js';

/**
 * The `chronoq` program. Commander never exits the process: it throws, and `run` turns what it
 * throws into an exit code.
 */
export function buildProgram(ctx: CliContext): Command {
  const { io } = ctx;
  const program = new Command('chronoq')
    .description('Chronoq: a distributed task scheduler')
    .version(VERSION, '-V, --version')
    // Settings made before the subcommands exist are inherited by them.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run with --help for usage)')
    .option('--url <url>', 'server URL (env CHRONOQ_URL, default http://127.0.0.1:7070)')
    .option('--token <token>', 'API token (env CHRONOQ_TOKEN)')
    .option('--json', 'machine-readable output: the API JSON');
  registerServerCommand(program, ctx);
  registerTaskCommands(program, ctx);
  registerQueueCommands(program, ctx);
  registerScheduleCommands(program, ctx);
  registerWorkerCommands(program, ctx);
  registerWorkerCommand(program, ctx);
  registerWorkflowCommands(program, ctx);
  registerTokenCommands(program, ctx);
  return program;
}

/**
 * Run `chronoq` with `argv` (the words after the program name) and return its exit code:
 * 0 success, 1 failure, 2 bad usage.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx = new CliContext(io);
  const program = buildProgram(ctx);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    // Commander has already printed its own errors (and help or version, exit code 0).
    if (!(err instanceof CommanderError)) io.stderr.write(`${errorLine(describe(err))}\n`);
    return exitCodeOf(err);
  }
}

/** An interrupted wait or stream reads better as "interrupted" than as an AbortError. */
function describe(err: unknown): unknown {
  return err instanceof Error && err.name === 'AbortError' ? new Error('interrupted') : err;
}
