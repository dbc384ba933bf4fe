import { afterAll, describe, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { sqliteKill } from './scenarios/sqlite-kill.js';

// The short version, part of `npm test`; `npm run test:chaos` runs the full one.
const tmp = tempDir('chronoq-sqlite-kill-');
afterAll(() => tmp.cleanup());

describe('the embedded server killed -9 during submits (SQLite)', () => {
  it('keeps every acknowledged submit, and the file passes integrity_check', async () => {
    const report = await sqliteKill({ dir: tmp.dir, submits: 1000, kills: 2, concurrency: 16 });
    console.log('sqlite kill (short):', JSON.stringify(report));
  }, 120_000);
});
