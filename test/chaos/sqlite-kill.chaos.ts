import { afterAll, describe, it } from 'vitest';
import { saveChaosReport } from '../helpers/chaos-report.js';
import { tempDir } from '../helpers/temp.js';
import { sqliteKill } from './scenarios/sqlite-kill.js';

const tmp = tempDir('chronoq-sqlite-kill-');
afterAll(() => tmp.cleanup());

describe('the embedded server killed -9 during 10,000 acknowledged submits (SQLite)', () => {
  it('keeps every acknowledged submit, and the file passes integrity_check', async () => {
    const report = await sqliteKill({ dir: tmp.dir, submits: 10_000, kills: 5, concurrency: 32 });
    saveChaosReport('sqlite-kill', report);
  });
});
