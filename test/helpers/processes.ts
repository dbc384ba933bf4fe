import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'chronoq.js');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

/** Run `chronoq server ARGS` as a child process; resolves once it prints its URL. */
export function spawnServer(
  args: string[],
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  return spawnUntil('server', args, env, /http:\/\/127\.0\.0\.1:\d+/);
}

/** Run `chronoq worker ARGS` as a child process; resolves once it has connected. */
export function spawnWorker(
  args: string[],
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  return spawnUntil('worker', args, env, /connected to \S+/);
}

async function spawnUntil(
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, command, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = ready.exec(out);
      if (m) resolve(m[0]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) =>
      reject(new Error(`${command} exited (${code}) before it was ready:\n${out}`)),
    );
  });
  return { child, url, output: () => out, exited };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run one `chronoq` command to completion. */
export function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
