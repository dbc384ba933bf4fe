import type { WorkerRecord } from '../../domain/worker.js';
import type { LeaderFence, Lease, Replica } from '../store.js';
import type { SqliteContext } from './context.js';
import {
  replicaToRow,
  rowToLease,
  rowToReplica,
  rowToWorker,
  workerToRow,
  type LeaseRow,
} from './rows.js';

/** Workers, the leader lease and server replicas. */
export class Cluster {
  constructor(private readonly ctx: SqliteContext) {}

  // -- Workers

  workerUpsert(worker: WorkerRecord): void {
    this.ctx.s.workerUpsert.run(workerToRow({ ...worker, status: 'live' }));
    this.ctx.emit({ kind: 'workers' });
  }

  /** Not announced as a change: a heartbeat moves only the load and the lease. */
  workerHeartbeat(id: string, load: number, now: number, expiresAt: number): boolean {
    return this.ctx.s.workerHeartbeat.run(load, now, expiresAt, id).changes > 0;
  }

  workerUpdate(
    id: string,
    patch: Partial<Pick<WorkerRecord, 'cordoned' | 'draining' | 'status' | 'expiresAt'>>,
  ): WorkerRecord | null {
    const row = this.ctx.s.workerPatch.get({
      id,
      cordoned: patch.cordoned === undefined ? null : patch.cordoned ? 1 : 0,
      draining: patch.draining === undefined ? null : patch.draining ? 1 : 0,
      status: patch.status ?? null,
      expires_at: patch.expiresAt ?? null,
    });
    if (!row) return null;
    this.ctx.emit({ kind: 'workers' });
    return rowToWorker(row);
  }

  workerGet(id: string): WorkerRecord | null {
    const row = this.ctx.s.workerGet.get(id);
    return row ? rowToWorker(row) : null;
  }

  workerList(): WorkerRecord[] {
    return this.ctx.s.workerList.all().map(rowToWorker);
  }

  workerExpire(fence: LeaderFence, now: number): string[] {
    const ids = this.ctx.write(() => {
      this.ctx.checkFence(fence);
      return this.ctx.s.workerExpire.all(now).map((r) => r.id);
    });
    if (ids.length > 0) this.ctx.emit({ kind: 'workers' });
    return ids.sort();
  }

  // -- Leases

  /**
   * Renew when `holder` holds it unexpired (same token, same `since`). Take it when it is
   * free, released or expired: a new term, so the token grows and `since` restarts.
   */
  leaseAcquire(name: string, holder: string, ttlMs: number, now: number): Lease | null {
    const { s } = this.ctx;
    return this.ctx.write(() => {
      const row = s.leaseGet.get(name);
      let next: LeaseRow;
      if (row && row.holder === holder && row.expires_at > now) {
        next = { ...row, expires_at: now + ttlMs };
      } else if (!row || row.holder === '' || row.expires_at <= now) {
        next = { name, holder, token: (row?.token ?? 0) + 1, since: now, expires_at: now + ttlMs };
      } else {
        return null;
      }
      s.leasePut.run(next);
      return rowToLease(next);
    });
  }

  /** Give the lease up (only its holder can). The row stays so the token keeps growing. */
  leaseRelease(name: string, holder: string): void {
    this.ctx.s.leaseRelease.run(name, holder);
  }

  /** The lease while someone holds it (it may have expired), null when free or released. */
  leaseGet(name: string): Lease | null {
    const row = this.ctx.s.leaseGet.get(name);
    return row && row.holder !== '' ? rowToLease(row) : null;
  }

  // -- Replicas

  replicaHeartbeat(replica: Replica): void {
    this.ctx.s.replicaUpsert.run(replicaToRow(replica));
  }

  replicaList(): Replica[] {
    return this.ctx.s.replicaList.all().map(rowToReplica);
  }

  replicaRemove(id: string): void {
    this.ctx.s.replicaRemove.run(id);
  }
}
