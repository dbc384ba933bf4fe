import type { QueueSettings } from '../../domain/queue.js';
import type { PgContext } from './context.js';
import { settingsOf, settingsToJson, type QueueRow } from './rows.js';
import { SQL } from './sql.js';

/** Queue settings. A queue exists as soon as it is named; unset fields have defaults. */
export class Queues {
  constructor(private readonly ctx: PgContext) {}

  async get(name: string): Promise<QueueSettings> {
    const [row] = await this.ctx.rows<QueueRow>(SQL.queueGet, [name]);
    return settingsOf(name, row?.settings ?? null);
  }

  async list(): Promise<QueueSettings[]> {
    const rows = await this.ctx.rows<QueueRow>(SQL.queueList);
    return rows.map((r) => settingsOf(r.name, r.settings));
  }

  /** Merge `patch` (undefined fields are kept, `null` clears a nullable field). */
  update(name: string, patch: Partial<Omit<QueueSettings, 'name'>>): Promise<QueueSettings> {
    return this.ctx.write(async (tx) => {
      await tx.rows(SQL.queueEnsure, [name]);
      const [row] = await tx.rows<QueueRow>(SQL.queueForUpdate, [name]);
      const current = settingsOf(name, row?.settings ?? null);
      const defined = Object.fromEntries(
        Object.entries(patch).filter(([k, v]) => v !== undefined && k !== 'name'),
      ) as Partial<QueueSettings>;
      const next: QueueSettings = { ...current, ...defined, name };
      await tx.rows(SQL.queuePut, [name, settingsToJson(next)]);
      tx.emit({ kind: 'queues' });
      return next;
    });
  }
}
