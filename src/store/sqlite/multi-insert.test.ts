import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.js';
import { ChangeFeed } from '../common/change-feed.js';
import { SqliteContext } from './context.js';
import { migrate } from './migrations.js';
import { MultiInsert } from './multi-insert.js';
import type { EventRow } from './rows.js';

const event = (taskId: string, kind: string): EventRow => ({
  task_id: taskId,
  at: 1,
  kind,
  attempt: 0,
  from_state: null,
  to_state: null,
  actor: null,
  detail: null,
});

describe('MultiInsert', () => {
  it('inserts every row, in the order given, over several statements', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (seq INTEGER PRIMARY KEY, a INTEGER, b TEXT)');
    const insert = new MultiInsert(db, 'INSERT INTO t (a, b)', 2);
    const rows = Array.from({ length: 1234 }, (_, i) => [i, `r${i}`]);
    insert.run(rows);
    insert.run([[-1, 'last']]);
    const got = db.prepare('SELECT a, b FROM t ORDER BY seq').raw(true).all();
    expect(got).toEqual([...rows, [-1, 'last']]);
    db.close();
  });
});

describe('history rows of a write (SqliteContext)', () => {
  let db: Database.Database;
  let ctx: SqliteContext;
  beforeEach(() => {
    db = new Database(':memory:');
    migrate(db);
    ctx = new SqliteContext(db, new ChangeFeed(silentLogger));
  });
  afterEach(() => ctx.close());

  const kinds = () =>
    (db.prepare('SELECT kind FROM task_events ORDER BY seq').all() as { kind: string }[]).map(
      (r) => r.kind,
    );

  it('are written, in order, by the time the write returns', () => {
    ctx.write(() => {
      for (let i = 0; i < 450; i++) ctx.s.history.event(event('t1', `e${i}`));
    });
    expect(kinds()).toEqual(Array.from({ length: 450 }, (_, i) => `e${i}`));
  });

  it('are dropped with a write that fails', () => {
    expect(() =>
      ctx.write(() => {
        ctx.s.history.event(event('t1', 'lost'));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    ctx.write(() => ctx.s.history.event(event('t1', 'kept')));
    expect(kinds()).toEqual(['kept']);
  });

  it('of a failed nested write are dropped, and those of the write around it kept', () => {
    ctx.write(() => {
      ctx.s.history.event(event('t1', 'outer-before'));
      expect(() =>
        ctx.write(() => {
          ctx.s.history.event(event('t1', 'inner'));
          throw new Error('inner fails');
        }),
      ).toThrow('inner fails');
      ctx.s.history.event(event('t1', 'outer-after'));
    });
    expect(kinds()).toEqual(['outer-before', 'outer-after']);
  });
});
