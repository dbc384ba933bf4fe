import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ARTIFACTS = `${ROOT}test-artifacts/dashboard`;

function apt(args: string[]): boolean {
  const r = spawnSync('apt-get', args, {
    stdio: 'ignore',
    timeout: 300_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0;
}

/** Debian's Chromium, installed with apt when missing; a clear failure when it cannot be. */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (!apt(['install', '-y', 'chromium'])) {
    apt(['update']);
    apt(['install', '-y', 'chromium']);
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the dashboard tests need Chromium at ${CHROMIUM}, and \`apt-get install -y chromium\` ` +
        'did not provide it (run it as root, after `apt-get update`)',
    );
  }
}

/** Builds the dashboard into web/dist when it is not there (npm test builds it beforehand). */
export function ensureDashboardBuilt(): void {
  const index = `${ROOT}web/dist/index.html`;
  if (existsSync(index) && statSync(index).size > 0) return;
  execFileSync(`${ROOT}node_modules/.bin/vite`, ['build', 'web', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Every console error and uncaught exception of a page, for the "no console errors" checks. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}
