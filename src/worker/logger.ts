import type { Logger } from '../lib/logger.js';

/** The logging surface the worker uses (pino and `Logger` of src/lib satisfy it). */
export type WorkerLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** The default: log nothing (library code never writes to the console). */
export const silentWorkerLogger: WorkerLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
