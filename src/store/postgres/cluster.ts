import type { WorkerRecord } from '../../domain/worker.js';
import type { LeaderFence, Lease, Replica } from '../store.js';
import type { PgContext } from './context.js';
import {
  rowToLease,
  rowToReplica,
  rowToWorker,
  workerParams,
  type LeaseRow,
  type ReplicaRow,
  type WorkerRow,
} from './rows.js';
import { SQL } from './sql.js';

/** Workers, the leader lease and server replicas. */
export class Cluster {
  constructor(private readonly ctx: PgContext) {}

  // -- Workers

  async workerUpsert(worker: WorkerRecord): Promise<void> {
    await this.ctx.write(async (tx) => {
      await tx.rows(SQL.workerUpsert, workerParams({ ...worker, status: 'live' }));
      tx.emit({ kind: 'workers' });
    });
  }

  /** Not announced as a change: a heartbeat moves only the load and the lease. */
  async workerHeartbeat(
    id: string,
    load: number,
    now: number,
    expiresAt: number,
  ): Promise<boolean> {
    const rows = await this.ctx.rows(SQL.workerHeartbeat, [id, load, now, expiresAt]);
    return rows.length > 0;
  }

  workerUpdate(
    id: string,
    patch: Partial<Pick<WorkerRecord, 'cordoned' | 'draining' | 'status' | 'expiresAt'>>,
  ): Promise<WorkerRecord | null> {
    return this.ctx.write(async (tx) => {
      const [row] = await tx.rows<WorkerRow>(SQL.workerPatch, [
        id,
        patch.cordoned ?? null,
        patch.draining ?? null,
        patch.status ?? null,
        patch.expiresAt ?? null,
      ]);
      if (!row) return null;
      tx.emit({ kind: 'workers' });
      return rowToWorker(row);
    });
  }

  async workerGet(id: string): Promise<WorkerRecord | null> {
    const [row] = await this.ctx.rows<WorkerRow>(SQL.workerGet, [id]);
    return row ? rowToWorker(row) : null;
  }

  async workerList(): Promise<WorkerRecord[]> {
    return (await this.ctx.rows<WorkerRow>(SQL.workerList)).map(rowToWorker);
  }

  workerExpire(fence: LeaderFence, now: number): Promise<string[]> {
    return this.ctx.write(async (tx) => {
      await tx.checkFence(fence);
      const ids = (await tx.rows<{ id: string }>(SQL.workerExpire, [now])).map((r) => r.id);
      if (ids.length > 0) tx.emit({ kind: 'workers' });
      return ids.sort();
    });
  }

  // -- Leases

  /**
   * Renew when `holder` holds it unexpired (same token, same `since`). Take it when it is
   * free, released or expired: a new term, so the token grows and `since` restarts. The row is
   * locked for the decision, so two replicas never both take it.
   */
  leaseAcquire(name: string, holder: string, ttlMs: number, now: number): Promise<Lease | null> {
    return this.ctx.write(async (tx) => {
      await tx.rows(SQL.leaseEnsure, [name]);
      const [row] = await tx.rows<LeaseRow>(SQL.leaseForUpdate, [name]);
      let next: LeaseRow;
      if (row && row.holder === holder && row.expires_at > now) {
        next = { ...row, expires_at: now + ttlMs };
      } else if (!row || row.holder === '' || row.expires_at <= now) {
        next = { name, holder, token: (row?.token ?? 0) + 1, since: now, expires_at: now + ttlMs };
      } else {
        return null;
      }
      await tx.rows(SQL.leasePut, [name, next.holder, next.token, next.since, next.expires_at]);
      return rowToLease(next);
    });
  }

  /** Give the lease up (only its holder can). The row stays so the token keeps growing. */
  async leaseRelease(name: string, holder: string): Promise<void> {
    await this.ctx.rows(SQL.leaseRelease, [name, holder]);
  }

  /** The lease while someone holds it (it may have expired), null when free or released. */
  async leaseGet(name: string): Promise<Lease | null> {
    const [row] = await this.ctx.rows<LeaseRow>(SQL.leaseGet, [name]);
    return row && row.holder !== '' ? rowToLease(row) : null;
  }

  // -- Replicas

  async replicaHeartbeat(r: Replica): Promise<void> {
    await this.ctx.rows(SQL.replicaUpsert, [r.id, r.url, r.startedAt, r.heartbeatAt, r.expiresAt]);
  }

  async replicaList(): Promise<Replica[]> {
    return (await this.ctx.rows<ReplicaRow>(SQL.replicaList)).map(rowToReplica);
  }

  async replicaRemove(id: string): Promise<void> {
    await this.ctx.rows(SQL.replicaRemove, [id]);
  }
}
