import type { LogLine, StoredLogLine } from '../store.js';
import type { PgContext } from './context.js';
import { rowToLog, type LogRow } from './rows.js';
import { SQL } from './sql.js';

const DEFAULT_LIMIT = 1000;

/** Task log lines, numbered by a store-wide sequence. */
export class Logs {
  constructor(private readonly ctx: PgContext) {}

  async append(lines: LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    const taskIds = [...new Set(lines.map((l) => l.taskId))];
    await this.ctx.write(async (tx) => {
      // In a fixed order, so two batches naming the same tasks cannot deadlock.
      for (const id of [...taskIds].sort()) await tx.rows(SQL.logLock, [id]);
      const rows = lines.map((l) => ({
        task_id: l.taskId,
        attempt: l.attempt,
        stream: l.stream,
        line: l.line,
        at: l.at,
      }));
      await tx.rows(SQL.logInsert, [JSON.stringify(rows)]);
      tx.emit({ kind: 'logs', taskIds });
    });
  }

  async list(
    taskId: string,
    opts: { attempt?: number; afterSeq?: number; limit?: number },
  ): Promise<StoredLogLine[]> {
    const rows = await this.ctx.rows<LogRow>(SQL.logList, [
      taskId,
      opts.afterSeq ?? 0,
      opts.attempt ?? null,
      Math.max(0, Math.floor(opts.limit ?? DEFAULT_LIMIT)),
    ]);
    return rows.map(rowToLog);
  }
}
