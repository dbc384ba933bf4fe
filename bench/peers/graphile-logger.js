// graphile-worker logs every start and stop at info level; the benchmark keeps warnings and errors.
import { Logger } from 'graphile-worker';

export const quietLogger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') console.error(`graphile-worker: ${message}`);
});
