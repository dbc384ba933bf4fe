// The peers are not dependencies of Chronoq: they live in bench/peers/ with their own package.json
// and lock file, installed on demand (npm ci --prefix bench/peers) the first time a run needs them
// and again whenever the lock file is newer than the install.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../children.js';

export const PEERS_DIR = join(ROOT, 'bench/peers');

export function ensurePeersInstalled() {
  const lock = join(PEERS_DIR, 'package-lock.json');
  const marker = join(PEERS_DIR, 'node_modules/.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.error('bench: installing the peers: npm ci --prefix bench/peers');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--prefix', PEERS_DIR, '--no-audit', '--no-fund'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0)
    throw new Error(`npm ci --prefix bench/peers failed (${r.status ?? r.error})`);
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
