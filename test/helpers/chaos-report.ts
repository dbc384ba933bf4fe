import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './processes.js';

/** Keep a scenario's numbers in test-artifacts/chaos/NAME.json (RELIABILITY.md quotes them). */
export function saveChaosReport(name: string, report: unknown): void {
  const dir = join(ROOT, 'test-artifacts', 'chaos');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${name}.json`),
    JSON.stringify({ at: new Date().toISOString(), report }, null, 2),
  );
  console.log(`${name}:`, JSON.stringify(report));
}
