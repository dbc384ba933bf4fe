import type { LogLine, StoredLogLine } from '../store.js';
import type { SqliteContext } from './context.js';
import { rowToLog } from './rows.js';

const DEFAULT_LIMIT = 1000;

/** Task log lines, numbered by a store-wide sequence. */
export class Logs {
  constructor(private readonly ctx: SqliteContext) {}

  append(lines: LogLine[]): void {
    if (lines.length === 0) return;
    const { s } = this.ctx;
    this.ctx.write(() => {
      for (const l of lines) {
        s.logInsert.run({
          task_id: l.taskId,
          attempt: l.attempt,
          stream: l.stream,
          line: l.line,
          at: l.at,
        });
      }
    });
    this.ctx.emit({ kind: 'logs', taskIds: [...new Set(lines.map((l) => l.taskId))] });
  }

  list(
    taskId: string,
    opts: { attempt?: number; afterSeq?: number; limit?: number },
  ): StoredLogLine[] {
    return this.ctx.s.logList
      .all({
        task_id: taskId,
        attempt: opts.attempt ?? null,
        after: opts.afterSeq ?? 0,
        limit: Math.max(0, Math.floor(opts.limit ?? DEFAULT_LIMIT)),
      })
      .map(rowToLog);
  }
}
