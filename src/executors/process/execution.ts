import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ExecutorSpec } from '../../domain/task.js';
import type { Execution, RunInput, RunResult, RunSink, StopReason } from '../executor.js';
import { childEnvironment, payloadJson } from './environment.js';
import { LineSplitter } from './line-splitter.js';
import { exitResult, invalidSpec, spawnFailure, stoppedResult } from './outcome.js';
import { OutputCapture, type OutputStream } from './output-capture.js';
import { GroupTerminator, groupExists, signalGroup } from './process-group.js';

const RESOLVED: Promise<void> = Promise.resolve();

type ProcessSpec = Extract<ExecutorSpec, { kind: 'process' }>;

/** The settings of one attempt, resolved from the executor's options. */
export interface ProcessLimits {
  maxOutputBytes: number;
  killGraceMs: number;
  maxEnvPayloadBytes: number;
  env: NodeJS.ProcessEnv;
}

/**
 * One attempt of a `process` task: the command runs as the leader of its own process group, and
 * pause, resume and stop signal the whole group.
 *
 * - `done` settles once the command has exited and its output is read to the end.
 * - When the command exits, what it left running in its group is terminated too (SIGTERM, then
 *   SIGKILL after the grace period): an attempt leaves no process behind.
 * - Once `stop()` has signalled the group, the result is the stop's (`cancelled`, or a `TIMEOUT`
 *   failure), however the command exits: a command that exits 0 on SIGTERM did not finish its work.
 * - `stop()`, `pause()` and `resume()` do nothing once the command has exited (its pid may be
 *   reused), and a second `stop()` does nothing.
 */
export class ProcessExecution implements Execution {
  readonly done: Promise<RunResult>;
  private resolveDone!: (result: RunResult) => void;
  private settled = false;
  private child: ChildProcess | null = null;
  private exited = false;
  private paused = false;
  private stopReason: StopReason | null = null;
  private terminator: GroupTerminator | null = null;
  private readonly output: OutputCapture;
  private readonly splitters: LineSplitter[] = [];

  constructor(
    input: RunInput,
    sink: RunSink,
    private readonly limits: ProcessLimits,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.output = new OutputCapture(sink, limits.maxOutputBytes);
    const problem = checkSpec(input.executor);
    if (problem !== null) this.finish(invalidSpec(problem));
    else this.spawn(input, input.executor as ProcessSpec);
  }

  /** The pid of the command (also the id of its process group); undefined if it did not start. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Sends SIGSTOP to the group; resolves once it is sent. */
  pause(): Promise<void> {
    const pid = this.livePid();
    if (pid !== undefined && !this.paused) {
      signalGroup(pid, 'SIGSTOP');
      this.paused = true;
    }
    return RESOLVED;
  }

  /** Sends SIGCONT to the group if it was paused. */
  resume(): Promise<void> {
    const pid = this.livePid();
    if (pid !== undefined && this.paused) signalGroup(pid, 'SIGCONT');
    this.paused = false;
    return RESOLVED;
  }

  /** SIGTERM (and SIGCONT) to the group, SIGKILL after the grace period if anything is left. */
  stop(reason: StopReason): void {
    const pid = this.livePid();
    if (pid === undefined) return;
    this.stopReason = reason;
    this.paused = false;
    this.terminate(pid);
  }

  /** The pid while the command runs and no stop was asked for. */
  private livePid(): number | undefined {
    if (this.settled || this.exited || this.stopReason !== null) return undefined;
    return this.child?.pid;
  }

  private spawn(input: RunInput, spec: ProcessSpec): void {
    const [program, ...args] = spec.command as [string, ...string[]];
    const payload = payloadJson(input.payload);
    const env = childEnvironment(
      this.limits.env,
      input,
      spec.env,
      payload,
      this.limits.maxEnvPayloadBytes,
    );
    let child: ChildProcess;
    try {
      child = spawn(program, args, { cwd: spec.cwd, env, detached: true, stdio: 'pipe' });
    } catch (err) {
      this.finish(spawnFailure(err, spec.command, spec.cwd));
      return;
    }
    this.child = child;
    // Before the spawn, an error means it failed; after it, errors (of signals we never send
    // through `child.kill`) are of no interest, but must have a listener.
    child.on('error', (err) => {
      if (child.pid === undefined) this.finish(spawnFailure(err, spec.command, spec.cwd));
    });
    child.once('exit', () => this.onExit());
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) =>
      this.onClose(code, signal),
    );
    if (child.stdout) this.capture(child.stdout, 'stdout');
    if (child.stderr) this.capture(child.stderr, 'stderr');
    if (child.stdin && child.pid !== undefined) {
      child.stdin.on('error', () => {}); // EPIPE: the command did not read its stdin
      child.stdin.end(payload);
    }
  }

  private capture(stream: Readable, name: OutputStream): void {
    const splitter = new LineSplitter((line) => this.output.line(name, line));
    this.splitters.push(splitter);
    stream.setEncoding('utf8');
    // Always read, past the output bound too, so the command never blocks on a full pipe.
    stream.on('data', (text: string) => splitter.push(text));
    stream.once('end', () => splitter.end());
    stream.on('error', () => {});
  }

  /** The leader is gone: whatever it left in its group goes too. */
  private onExit(): void {
    this.exited = true;
    this.paused = false;
    const pid = this.child?.pid;
    if (pid !== undefined && groupExists(pid)) this.terminate(pid);
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    for (const splitter of this.splitters) splitter.end();
    if (this.stopReason !== null) this.finish(stoppedResult(this.stopReason));
    else this.finish(exitResult(code, signal, this.output.tail()));
  }

  private terminate(pid: number): void {
    this.terminator ??= new GroupTerminator(pid, this.limits.killGraceMs);
    this.terminator.terminate();
  }

  private finish(result: RunResult): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveDone(result);
  }
}

/** Why `spec` cannot be run by the process executor, or null if it can. */
function checkSpec(spec: ExecutorSpec): string | null {
  if (spec.kind !== 'process') return `the process executor cannot run a ${spec.kind} task`;
  const { command } = spec;
  if (!Array.isArray(command) || command.length === 0 || command[0] === '') {
    return 'command must name a program';
  }
  if (!command.every((part) => typeof part === 'string')) return 'command must be strings';
  return null;
}
