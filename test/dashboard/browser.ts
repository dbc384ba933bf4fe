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

/**
 * What sticks out sideways at this window size: the page or its main area scrolling
 * horizontally, or an element reaching past the right edge of its card (or of the main area)
 * without a scrolling box of its own in between. Each as a short description; none is right.
 */
export function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const root = document.scrollingElement ?? document.documentElement;
    if (root.scrollWidth > root.clientWidth) {
      out.push(`the page scrolls sideways (${root.scrollWidth} > ${root.clientWidth})`);
    }
    const main = document.querySelector('main');
    if (!main) return out;
    if (main.scrollWidth > main.clientWidth) {
      out.push(`main scrolls sideways (${main.scrollWidth} > ${main.clientWidth})`);
    }
    const name = (e: Element) =>
      `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${
        typeof e.className === 'string' && e.className ? `.${e.className.split(' ').join('.')}` : ''
      }${e.getAttribute('data-testid') ? `[${e.getAttribute('data-testid')}]` : ''}`;
    const seen = new Set<Element>();
    for (const e of main.querySelectorAll('*')) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      let box: Element | null = e.parentElement;
      let clipped = false;
      while (box && box !== main && !box.classList.contains('card')) {
        if (getComputedStyle(box).overflowX !== 'visible') clipped = true;
        box = box.parentElement;
      }
      if (clipped || !box) continue;
      const edge =
        box === main
          ? main.clientWidth + main.getBoundingClientRect().left
          : box.getBoundingClientRect().right;
      if (r.right > edge + 1) {
        seen.add(e);
        if (e.parentElement && seen.has(e.parentElement)) continue;
        out.push(`${name(e)} reaches ${Math.round(r.right - edge)}px past ${name(box)}`);
        if (out.length > 10) break;
      }
    }
    return out;
  });
}
