// The peers are not dependencies of Chronoq: they live in bench/peers/ with their own package.json
// and lock file, installed on demand the first time a run needs them, and again whenever the lock
// file is newer than the install: `npm ci --prefix bench/peers`, or, when npm ci refuses the lock
// (a registry without some platform-only optional package, e.g. msgpackr-extract's builds for
// other systems, leaves those out of it), `npm install --no-save`, which keeps the locked versions.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../children.js';

export const PEERS_DIR = join(ROOT, 'bench/peers');

const npm = (args, stderr = 'inherit') =>
  spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', [...args, '--prefix', PEERS_DIR], {
    stdio: ['ignore', 'inherit', stderr],
    encoding: 'utf8',
  });

export function ensurePeersInstalled() {
  const lock = join(PEERS_DIR, 'package-lock.json');
  const marker = join(PEERS_DIR, 'node_modules/.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.error('bench: installing the peers: npm ci --prefix bench/peers');
  const ci = npm(['ci', '--no-audit', '--no-fund', '--loglevel=error'], 'pipe');
  if (ci.status === 0) return;
  const why = (ci.stderr ?? '').split('\n').find((l) => /can only|Missing|ERR/.test(l)) ?? '';
  console.error(`bench: npm ci refused (${why.replace(/^npm error\s*/, '').trim()});`);
  console.error('bench: npm install --no-save --prefix bench/peers (the locked versions)');
  const r = npm(['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error']);
  if (r.status !== 0)
    throw new Error(`could not install bench/peers (npm: ${r.status ?? r.error})`);
}

/** The installed version of each package in `names`. */
export function peerVersions(names) {
  return Object.fromEntries(
    names.map((n) => {
      try {
        const pkg = JSON.parse(readFileSync(join(PEERS_DIR, 'node_modules', n, 'package.json')));
        return [n, pkg.version];
      } catch {
        return [n, null];
      }
    }),
  );
}
