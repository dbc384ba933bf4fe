import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect } from 'vitest';
import { spawnServer, type ServerProcess } from '../../helpers/processes.js';

export interface SqliteKillOptions {
  dir: string;
  /** Acknowledged submits wanted in all. */
  submits: number;
  /** kill -9 of the server, spread evenly over the submits. */
  kills: number;
  /** Submits in flight at once. */
  concurrency: number;
}

export interface SqliteKillReport {
  acknowledged: number;
  kills: number;
  /** Submits cut off by a kill (not acknowledged: they may or may not be stored). */
  cutOff: number;
  stored: number;
  integrity: string;
}

/**
 * One embedded server on a SQLite file, sent single-task submits from many clients at once, and
 * killed -9 in the middle, then started again on the same file (several times). Every submit it
 * acknowledged must be in the file, and the file must pass `PRAGMA integrity_check` after each
 * crash.
 */
export async function sqliteKill(o: SqliteKillOptions): Promise<SqliteKillReport> {
  const file = join(o.dir, 'kill.db');
  const start = (port = 0) =>
    spawnServer([
      ...['--db', `sqlite:${file}`, '--port', String(port), '--no-worker'],
      ...['--log-level', 'warn'],
    ]);
  let server: ServerProcess = await start();
  const port = Number(new URL(server.url).port);
  const acknowledged: string[] = [];
  let cutOff = 0;
  let kills = 0;
  const integrity: string[] = [];
  try {
    while (acknowledged.length < o.submits) {
      const killAt =
        kills < o.kills ? Math.floor((o.submits * (kills + 1)) / (o.kills + 1)) : Infinity;
      let n = 0;
      const client = async () => {
        while (acknowledged.length < Math.min(o.submits, killAt)) {
          try {
            const res = await fetch(`${server.url}/api/v1/tasks`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ type: 'chronoq.noop', payload: { n: n++ } }),
            });
            const body = (await res.json()) as { id?: string };
            if (res.status === 201 && body.id) acknowledged.push(body.id);
            else throw new Error(`submit: ${res.status}`);
          } catch {
            cutOff++;
            return; // the server is gone
          }
        }
      };
      const clients = Array.from({ length: o.concurrency }, client);
      if (killAt !== Infinity) {
        // Kill while the clients are still submitting.
        while (acknowledged.length < killAt) await new Promise((r) => setImmediate(r));
        server.child.kill('SIGKILL');
        await server.exited;
        kills++;
        await Promise.all(clients);
        integrity.push(integrityCheck(file));
        server = await start(port);
      } else {
        await Promise.all(clients);
      }
    }
  } finally {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  integrity.push(integrityCheck(file));
  const db = new Database(file, { readonly: true });
  try {
    const stored = new Set(
      (db.prepare('SELECT id FROM tasks').all() as { id: string }[]).map((r) => r.id),
    );
    const missing = acknowledged.filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    expect(new Set(integrity)).toEqual(new Set(['ok']));
    expect(kills).toBe(o.kills);
    return {
      acknowledged: acknowledged.length,
      kills,
      cutOff,
      stored: stored.size,
      integrity: integrity.join(','),
    };
  } finally {
    db.close();
  }
}

function integrityCheck(file: string): string {
  // Opened read-write, as the server would be, so a WAL left by the crash is recovered first.
  const db = new Database(file);
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .join('; ');
  } finally {
    db.close();
  }
}
