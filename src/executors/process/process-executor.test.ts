import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { RunInput, RunSink } from '../executor.js';
import { ProcessExecutor } from './index.js';

const NODE = process.execPath;

function input(
  command: string[],
  extra: Partial<RunInput> & { env?: Record<string, string>; cwd?: string } = {},
): RunInput {
  const { env, cwd, ...rest } = extra;
  return {
    taskId: 't1',
    attempt: 2,
    type: 'test.process',
    queue: 'default',
    payload: { n: 1 },
    executor: { kind: 'process', command, env, cwd },
    labels: {},
    workflowId: null,
    stepId: null,
    parents: {},
    ...rest,
  };
}

interface Line {
  stream: 'stdout' | 'stderr' | 'log';
  line: string;
}

function recordingSink() {
  const lines: Line[] = [];
  const waiters: { test: () => boolean; resolve: () => void }[] = [];
  const sink: RunSink = {
    progress: () => {},
    log: (stream, line) => {
      lines.push({ stream, line });
      for (const w of [...waiters]) {
        if (w.test()) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    },
  };
  const of = (stream: Line['stream']) =>
    lines.filter((l) => l.stream === stream).map((l) => l.line);
  /** Resolves once at least `n` lines were logged. */
  const until = (n: number) =>
    new Promise<void>((resolve) => {
      const test = () => lines.length >= n;
      if (test()) resolve();
      else waiters.push({ test, resolve });
    });
  return { sink, lines, of, until };
}

/** Polls `test` every 10 ms until it holds; fails after `ms`. */
async function eventually(test: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await delay(10);
  }
}

/** `/proc/<pid>/stat` fields from the state on (index 0 is the state), or null if gone. */
function stat(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Live (non-zombie) processes of group `pgid`, found in /proc. */
function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = stat(Number(entry));
    if (fields !== null && fields[0] !== 'Z' && Number(fields[2]) === pgid)
      pids.push(Number(entry));
  }
  return pids;
}

function isAlive(pid: number): boolean {
  const fields = stat(pid);
  return fields !== null && fields[0] !== 'Z';
}

describe('ProcessExecutor', () => {
  const executor = new ProcessExecutor();

  it('passes stdout and stderr lines to the sink in order, with \\r\\n and a last partial line', async () => {
    const rec = recordingSink();
    const script = [
      "process.stdout.write('one\\ntw');",
      "process.stdout.write('o\\r\\nthree\\r');",
      "process.stderr.write('err 1\\nerr 2\\n');",
      "setTimeout(() => process.stdout.write('\\nlast without newline'), 20);",
    ].join('');
    const result = await executor.start(input([NODE, '-e', script]), rec.sink).done;
    expect(result).toEqual({ kind: 'succeeded', result: { exitCode: 0 } });
    expect(rec.of('stdout')).toEqual(['one', 'two', 'three', 'last without newline']);
    expect(rec.of('stderr')).toEqual(['err 1', 'err 2']);
  });

  it('fails retryably on a non-zero exit, with the last lines of output', async () => {
    const script =
      "for (let i = 1; i <= 30; i++) console.log('line ' + i); console.error('bad'); process.exit(3)";
    const result = await executor.start(input([NODE, '-e', script]), recordingSink().sink).done;
    expect(result).toMatchObject({
      kind: 'failed',
      retryable: true,
      error: { message: 'exited with code 3', code: 'EXIT_CODE', exitCode: 3 },
    });
    const tail = result.kind === 'failed' ? (result.error.tail as string[]) : [];
    expect(tail).toHaveLength(20);
    expect(tail).toContain('line 30');
    expect(tail).toContain('bad');
    expect(tail).not.toContain('line 10');
  });

  it('fails with the signal name when the command is killed by a signal', async () => {
    const script = "process.kill(process.pid, 'SIGKILL')";
    const result = await executor.start(input([NODE, '-e', script]), recordingSink().sink).done;
    expect(result).toMatchObject({
      kind: 'failed',
      retryable: true,
      error: { code: 'SIGNAL', signal: 'SIGKILL', message: 'killed by signal SIGKILL' },
    });
  });

  it('fails for good, with the OS message, when the program does not exist', async () => {
    const result = await executor.start(
      input(['chronoq-no-such-program-xyz']),
      recordingSink().sink,
    ).done;
    expect(result).toMatchObject({ kind: 'failed', retryable: false, error: { code: 'ENOENT' } });
    expect(result.kind === 'failed' && result.error.message).toContain('ENOENT');
    const noDir = await executor.start(input([NODE], { cwd: '/no/such/dir' }), recordingSink().sink)
      .done;
    expect(noDir).toMatchObject({
      kind: 'failed',
      retryable: false,
      error: { code: 'ENOENT', cwd: '/no/such/dir' },
    });
  });

  it('fails for good on a spec it cannot run', async () => {
    const rec = recordingSink();
    expect(await executor.start(input([]), rec.sink).done).toMatchObject({
      kind: 'failed',
      retryable: false,
      error: { code: 'INVALID_SPEC' },
    });
    const http = {
      ...input(['x']),
      executor: { kind: 'http', url: 'http://x', method: 'GET' },
    } as RunInput;
    expect(await executor.start(http, rec.sink).done).toMatchObject({
      kind: 'failed',
      retryable: false,
    });
  });

  it('gives the command its env, cwd, task id, attempt and payload (env and stdin)', async () => {
    const rec = recordingSink();
    const script = `
      let stdin = '';
      process.stdin.on('data', (d) => (stdin += d));
      process.stdin.on('end', () => console.log(JSON.stringify({
        stdin: JSON.parse(stdin),
        env: JSON.parse(process.env.CHRONOQ_PAYLOAD),
        id: process.env.CHRONOQ_TASK_ID,
        attempt: process.env.CHRONOQ_ATTEMPT,
        mine: process.env.MY_VAR,
        inherited: process.env.BASE_VAR,
        cwd: process.cwd(),
      })));`;
    const ex = new ProcessExecutor({ env: { PATH: process.env.PATH, BASE_VAR: 'base' } });
    const payload = { greeting: 'héllo', list: [1, 2] };
    const result = await ex.start(
      input([NODE, '-e', script], { payload, env: { MY_VAR: 'mine' }, cwd: '/' }),
      rec.sink,
    ).done;
    expect(result).toEqual({ kind: 'succeeded', result: { exitCode: 0 } });
    expect(JSON.parse(rec.of('stdout')[0]!)).toEqual({
      stdin: payload,
      env: payload,
      id: 't1',
      attempt: '2',
      mine: 'mine',
      inherited: 'base',
      cwd: '/',
    });
  });

  it('leaves a large payload out of the environment but still writes it to stdin', async () => {
    const rec = recordingSink();
    const ex = new ProcessExecutor({ maxEnvPayloadBytes: 10 });
    const script = `let s = ''; process.stdin.on('data', (d) => (s += d)); process.stdin.on('end', () => console.log(String(process.env.CHRONOQ_PAYLOAD) + ' ' + s));`;
    await ex.start(input([NODE, '-e', script], { payload: 'a long payload' }), rec.sink).done;
    expect(rec.of('stdout')).toEqual(['undefined "a long payload"']);
  });

  it('passes output up to the bound, then one marker line, and drains the rest', async () => {
    const rec = recordingSink();
    // 200,000 lines of 8 bytes (7 digits and a newline): 1.6 MB, past the 1 MiB default.
    const script = `let out = ''; for (let i = 0; i < 200000; i++) { out += String(i).padStart(7, '0') + '\\n'; if (out.length > 65536) { process.stdout.write(out); out = ''; } } process.stdout.write(out);`;
    const result = await executor.start(input([NODE, '-e', script]), rec.sink).done;
    expect(result).toEqual({ kind: 'succeeded', result: { exitCode: 0 } });
    const stdout = rec.of('stdout');
    const fit = (1024 * 1024) / 8;
    expect(stdout).toHaveLength(fit);
    expect(stdout.every((line, i) => line === String(i).padStart(7, '0'))).toBe(true);
    expect(rec.of('log')).toEqual(['[output truncated after 1 MiB]']);
    expect(rec.lines.at(-1)).toEqual({ stream: 'log', line: '[output truncated after 1 MiB]' });
  });

  it('reports the last lines written past the bound in the failure tail', async () => {
    const ex = new ProcessExecutor({ maxOutputBytes: 100 });
    const rec = recordingSink();
    const script = "for (let i = 0; i < 100; i++) console.log('line ' + i); process.exit(1)";
    const result = await ex.start(input([NODE, '-e', script]), rec.sink).done;
    expect(rec.of('log')).toEqual(['[output truncated after 100 bytes]']);
    expect(result.kind === 'failed' && result.error.tail).toContain('line 99');
  });

  it('pauses a CPU-bound command (no progress, state T) and lets it finish after resume', async () => {
    const rec = recordingSink();
    // Counts until it has used 800 ms of CPU time, printing a line every million iterations.
    const script = `let i = 0, n = 0; for (;;) { if (++i % 1e6 === 0) { process.stdout.write(++n + '\\n'); if (process.cpuUsage().user > 800000) break; } }`;
    const execution = executor.start(input([NODE, '-e', script]), rec.sink);
    const pid = execution.pid!;
    await rec.until(1);
    await execution.pause();
    await eventually(() => stat(pid)?.[0] === 'T');
    await delay(50); // let output already in the pipe arrive
    const atPause = rec.lines.length;
    await delay(300);
    expect(rec.lines.length).toBe(atPause);
    expect(stat(pid)?.[0]).toBe('T');
    await execution.resume();
    expect(await execution.done).toEqual({ kind: 'succeeded', result: { exitCode: 0 } });
    expect(rec.lines.length).toBeGreaterThan(atPause);
  });

  it('kills the whole process tree on stop, reporting a timeout', async () => {
    const rec = recordingSink();
    const script = 'sleep 1000 & echo $!; sleep 1000 & echo $!; wait';
    const execution = executor.start(input(['sh', '-c', script]), rec.sink);
    const pgid = execution.pid!;
    await rec.until(2);
    const sleepers = rec.of('stdout').map(Number);
    expect(sleepers.every(isAlive)).toBe(true);
    expect(groupMembers(pgid).sort()).toEqual([pgid, ...sleepers].sort());
    execution.stop('timeout');
    expect(await execution.done).toEqual({
      kind: 'failed',
      error: { message: 'attempt timed out', code: 'TIMEOUT' },
      retryable: true,
    });
    await eventually(() => groupMembers(pgid).length === 0, 2000);
    expect(sleepers.some(isAlive)).toBe(false);
  });

  it('SIGKILLs a group that ignores SIGTERM after the grace period', async () => {
    const ex = new ProcessExecutor({ killGraceMs: 200 });
    const rec = recordingSink();
    const script = "trap '' TERM; sleep 1000 & echo $!; wait; wait";
    const execution = ex.start(input(['sh', '-c', script]), rec.sink);
    const pgid = execution.pid!;
    await rec.until(1);
    execution.stop('cancel');
    expect(await execution.done).toEqual({ kind: 'cancelled' });
    await eventually(() => groupMembers(pgid).length === 0, 2000);
  });

  it('stops a paused command promptly', async () => {
    const rec = recordingSink();
    const execution = executor.start(input(['sh', '-c', 'echo up; sleep 1000']), rec.sink);
    await rec.until(1);
    await execution.pause();
    execution.stop('shutdown');
    expect(await execution.done).toEqual({ kind: 'cancelled' });
  });

  it('terminates what the command left running in its group when it exits', async () => {
    const rec = recordingSink();
    const script = 'sleep 1000 > /dev/null 2>&1 & echo $!';
    const execution = executor.start(input(['sh', '-c', script]), rec.sink);
    expect(await execution.done).toEqual({ kind: 'succeeded', result: { exitCode: 0 } });
    const sleeper = Number(rec.of('stdout')[0]);
    await eventually(() => !isAlive(sleeper), 2000);
  });

  it('ignores stop, pause and resume after the exit, and a second stop', async () => {
    const execution = executor.start(input([NODE, '-e', 'process.exit(2)']), recordingSink().sink);
    const result = await execution.done;
    await execution.pause();
    await execution.resume();
    execution.stop('cancel');
    execution.stop('timeout');
    expect(await execution.done).toBe(result);
    expect(result).toMatchObject({ kind: 'failed', error: { exitCode: 2 } });

    const rec = recordingSink();
    const running = executor.start(input(['sh', '-c', 'echo up; sleep 1000']), rec.sink);
    await rec.until(1);
    running.stop('revoke');
    running.stop('timeout');
    await running.pause();
    expect(await running.done).toEqual({ kind: 'cancelled' });
  });

  it('rejects invalid options', () => {
    expect(() => new ProcessExecutor({ killGraceMs: -1 })).toThrow(RangeError);
    expect(() => new ProcessExecutor({ maxOutputBytes: 1.5 })).toThrow(/maxOutputBytes/);
  });
});
