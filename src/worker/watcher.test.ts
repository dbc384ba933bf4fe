import { describe, expect, it } from 'vitest';
import { assignment } from './testing/fake-server.js';
import { Watcher } from './watcher.js';

describe('Watcher', () => {
  it('takes new assignments and ignores a duplicate (id, attempt)', () => {
    const w = new Watcher();
    expect(w.assign([assignment({ id: 'a' }), assignment({ id: 'b' })], false)).toEqual(['a', 'b']);
    expect(w.assign([assignment({ id: 'a' })], false)).toEqual([]);
    expect(w.list()).toEqual([
      { taskId: 'a', attempt: 1 },
      { taskId: 'b', attempt: 1 },
    ]);
  });

  it('updates the want of a held attempt, and ignores stale ones', () => {
    const w = new Watcher();
    w.assign([assignment({ id: 'a', attempt: 2 })], false);
    expect(w.assign([assignment({ id: 'a', attempt: 2, want: 'pause' })], false)).toEqual(['a']);
    expect(w.get('a')?.want).toBe('pause');
    expect(w.want('a', 1, 'cancel')).toBe(false);
    expect(w.want('a', 2, 'run')).toBe(true);
    expect(w.assign([assignment({ id: 'a', attempt: 1 })], false)).toEqual([]);
    expect(w.get('a')?.assignment.attempt).toBe(2);
  });

  it('replaces an attempt by a newer one', () => {
    const w = new Watcher();
    w.assign([assignment({ id: 'a', attempt: 1 })], false);
    expect(w.assign([assignment({ id: 'a', attempt: 2 })], false)).toEqual(['a']);
    expect(w.get('a')?.assignment.attempt).toBe(2);
  });

  it('with full, drops everything not listed', () => {
    const w = new Watcher();
    w.assign([assignment({ id: 'a' }), assignment({ id: 'b' })], false);
    expect(w.assign([assignment({ id: 'b' }), assignment({ id: 'c' })], true).sort()).toEqual([
      'a',
      'c',
    ]);
    expect([...w.ids()].sort()).toEqual(['b', 'c']);
  });

  it('revokes the held attempt or an older one only', () => {
    const w = new Watcher();
    w.assign([assignment({ id: 'a', attempt: 3 })], false);
    expect(w.revoke('a', 2)).toBe(false);
    expect(w.revoke('a', 3)).toBe(true);
    expect(w.get('a')).toBeUndefined();
  });

  it('ignores a finished attempt assigned again, but takes a newer one', () => {
    const w = new Watcher();
    w.assign([assignment({ id: 'a' })], false);
    w.finish('a', 1);
    expect(w.get('a')).toBeUndefined();
    expect(w.assign([assignment({ id: 'a' })], true)).toEqual([]);
    expect(w.assign([assignment({ id: 'a', attempt: 2 })], false)).toEqual(['a']);
  });
});
