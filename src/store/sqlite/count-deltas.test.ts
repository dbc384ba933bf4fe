import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Task, TaskState } from '../../domain/task.js';
import { silentLogger } from '../../lib/logger.js';
import { ChangeFeed } from '../common/change-feed.js';
import { buildTask } from '../common/task-build.js';
import { newTask, T0 } from '../testing/fixtures.js';
import { SqliteContext } from './context.js';
import { migrate } from './migrations.js';
import { taskToInsertParams } from './rows.js';
import { TaskUpdates } from './task-update.js';

describe('task count changes of a write (SqliteContext)', () => {
  let db: Database.Database;
  let ctx: SqliteContext;
  let updates: TaskUpdates;
  let tasks: Task[];
  beforeEach(() => {
    db = new Database(':memory:');
    migrate(db);
    ctx = new SqliteContext(db, new ChangeFeed(silentLogger));
    updates = new TaskUpdates(db, ctx.counts);
    tasks = ['t1', 't2', 't3'].map((id) => buildTask(newTask({ queue: 'q' }), id, T0));
    ctx.write(() => {
      for (const t of tasks) ctx.s.taskInsert.run(taskToInsertParams(t));
    });
  });
  afterEach(() => ctx.close());

  const move = (i: number, state: TaskState) => {
    const task = tasks[i]!;
    updates.write(
      { ...task, state, version: task.version + 1 },
      new Set(['state']),
      null,
      task.state,
    );
  };
  const counts = () =>
    db.prepare('SELECT state, n FROM task_counts WHERE n <> 0 ORDER BY state').raw(true).all();
  const grouped = () =>
    db.prepare('SELECT state, count(*) FROM tasks GROUP BY state ORDER BY state').raw(true).all();

  it('are applied by the time the write returns', () => {
    ctx.write(() => {
      move(0, 'cancelled');
      move(1, 'paused');
    });
    expect(counts()).toEqual([
      ['cancelled', 1],
      ['paused', 1],
      ['ready', 1],
    ]);
    expect(counts()).toEqual(grouped());
  });

  it('are dropped with a write that fails', () => {
    expect(() =>
      ctx.write(() => {
        move(0, 'cancelled');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(counts()).toEqual([['ready', 3]]);
    expect(counts()).toEqual(grouped());
  });

  it('of a failed nested write are dropped, and those of the write around it kept', () => {
    ctx.write(() => {
      move(0, 'cancelled');
      expect(() =>
        ctx.write(() => {
          move(1, 'cancelled');
          throw new Error('inner fails');
        }),
      ).toThrow('inner fails');
      ctx.write(() => move(2, 'paused'));
    });
    expect(counts()).toEqual([
      ['cancelled', 1],
      ['paused', 1],
      ['ready', 1],
    ]);
    expect(counts()).toEqual(grouped());
  });

  it('of an update that finds no row are not counted', () => {
    ctx.write(() => {
      updates.write(
        { ...tasks[0]!, id: 'gone', state: 'cancelled' },
        new Set(['state']),
        null,
        'ready',
      );
    });
    expect(counts()).toEqual([['ready', 3]]);
  });
});
