import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../lib/logger.js';
import { newTask, T0 } from '../testing/fixtures.js';
import { openDatabase } from './database.js';
import { openSqliteStore } from './sqlite-store.js';
import { WalCheckpointer } from './wal-checkpointer.js';

const dir = mkdtempSync(join(tmpdir(), 'chronoq-wal-'));
let n = 0;
const nextFile = () => join(dir, `store-${++n}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('WalCheckpointer', () => {
  it('copies the WAL into the database file from its own thread, once the store writes enough', async () => {
    const file = nextFile();
    const db = openDatabase(file);
    db.exec('CREATE TABLE t (v TEXT)');
    const checkpointer = new WalCheckpointer(db, file, silentLogger);
    const before = statSync(file).size;
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    for (let i = 0; i < 250; i++) {
      insert.run('x'.repeat(3000));
      checkpointer.wrote();
    }
    // About 250 WAL pages: far below the connection's own automatic checkpoint (10,000).
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    await until(() => statSync(file).size > before + 250 * 3000);
    await checkpointer.stop();
    db.close();
    // The last connection to close removes the WAL: the thread's was closed.
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('stops with the store that started it', async () => {
    const file = nextFile();
    const store = await openSqliteStore(file);
    await store.migrate();
    for (let i = 0; i < 250; i++) await store.taskInsert([newTask()], T0 + i);
    await store.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('hands checkpoints back to the store when its thread fails', async () => {
    const file = nextFile();
    const db = openDatabase(file);
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_o, msg) => warnings.push(msg ?? '') };
    const checkpointer = new WalCheckpointer(db, join(dir, 'missing', 'nothing.db'), logger);
    for (let i = 0; i < 200; i++) checkpointer.wrote();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    await until(() => warnings.length > 0);
    expect(warnings[0]).toMatch(/checkpoint thread failed/);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000);
    await checkpointer.stop();
    db.close();
  });
});
