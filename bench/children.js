// Every child process the benchmark starts goes through here, so that all of them are killed at
// the end: on a normal finish (each part stops its own), on an error, on Ctrl-C / SIGTERM, and —
// as a last resort — with SIGKILL when the benchmark process exits.
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(ROOT, 'bin/chronoq.js');

const live = new Set();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, killing ${live.size} child process(es)`);
    for (const child of live) child.kill('SIGKILL');
    process.exit(130);
  });
}

/**
 * Run `chronoq COMMAND ARGS` as a child process and wait (at most `readyTimeoutMs`) until its
 * output matches `ready`; resolves with the match. `profileDir` runs it under `--cpu-prof`.
 */
export async function spawnChronoq(
  command,
  args,
  { ready, readyTimeoutMs = 30_000, profileDir, env = {}, label = command } = {},
) {
  const child = spawn(
    process.execPath,
    [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), BIN, command, ...args],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  live.add(child);
  let out = '';
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? -1);
    }),
  );
  const onData = (b) => {
    // Keep the last 20 kB only: enough to explain a failure, bounded for a long run.
    out = (out + b.toString()).slice(-20_000);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  const handle = {
    child,
    pid: child.pid,
    label,
    exited,
    output: () => out,
    /** SIGTERM (a graceful shutdown, which also writes a CPU profile), SIGKILL after `graceMs`. */
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      let timer;
      const late = await Promise.race([
        exited.then(() => false),
        new Promise((r) => (timer = setTimeout(() => r(true), graceMs))),
      ]);
      clearTimeout(timer);
      if (late) {
        console.error(
          `bench: ${label} (pid ${child.pid}) ignored SIGTERM for ${graceMs} ms: SIGKILL`,
        );
        child.kill('SIGKILL');
      }
      return exited;
    },
  };

  let timer;
  try {
    const match = await Promise.race([
      new Promise((resolve) => {
        const check = () => {
          const m = ready.exec(out);
          if (m) {
            child.stdout.off('data', check);
            child.stderr.off('data', check);
            resolve(m);
          }
        };
        child.stdout.on('data', check);
        child.stderr.on('data', check);
      }),
      exited.then((code) => {
        throw new Error(`${label} exited (${code}) before it was ready:\n${out}`);
      }),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${label} not ready after ${readyTimeoutMs} ms:\n${out}`)),
          readyTimeoutMs,
        );
      }),
    ]);
    handle.match = match;
    return handle;
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Register a child started elsewhere (bench/server-process.js) for the kill-at-exit sweep. */
export function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
}
