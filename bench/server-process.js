// Start `chronoq server` as a child process, as a user would, and wait until it answers.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnChronoq, track } from './children.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function startServerProcess({ port, concurrency = 50, extraArgs = [], profileDir }) {
  const dir = mkdtempSync(join(tmpdir(), 'chronoq-bench-'));
  const child = spawn(
    process.execPath,
    [
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      join(root, 'bin/chronoq.js'),
      'server',
      '--db',
      `sqlite:${join(dir, 'bench.db')}`,
      '--port',
      String(port),
      '--concurrency',
      String(concurrency),
      '--log-level',
      'warn',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  track(child); // killed with the benchmark, whatever happens
  const exited = new Promise((r) => child.once('exit', r));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const base = `http://127.0.0.1:${port}`;
  let ready = false;
  for (let i = 0; i < 200 && alive() && !ready; i++) {
    try {
      const r = await fetch(`${base}/readyz`);
      ready = r.ok;
    } catch {
      // not up yet
    }
    if (!ready) await new Promise((r) => setTimeout(r, 50));
  }
  if (!ready) {
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`chronoq server (embedded) did not answer on ${base}/readyz`);
  }
  return {
    base,
    pid: child.pid,
    async stop() {
      if (alive()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Cluster mode: `chronoq server --db postgres://… --no-worker` (API and scheduler only) on a free
 * loopback port; resolves once it prints the URL it listens on.
 */
export async function startClusterServerProcess({ db, profileDir, extraArgs = [] }) {
  const server = await spawnChronoq(
    'server',
    [
      '--db',
      db,
      '--no-worker',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--log-level',
      'warn',
      ...extraArgs,
    ],
    {
      ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
      profileDir,
      label: 'chronoq server (cluster)',
    },
  );
  server.base = server.match[1];
  return server;
}
