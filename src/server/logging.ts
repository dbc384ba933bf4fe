import { pino, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * The process logger of `chronoq server` and `chronoq worker`: JSON lines for machines (with
 * `taskId`, `workerId` and `attempt` fields where a line is about one), readable coloured lines
 * when a person watches the terminal.
 */
export function createLogger(level: LogLevel, service = 'chronoq'): Pino {
  return pino(
    { level, base: { service } },
    process.stdout.isTTY
      ? pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'service,pid,hostname' })
      : undefined,
  );
}
