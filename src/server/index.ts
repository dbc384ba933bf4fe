export { startServer, type StartServerDeps } from './start-server.js';
export type { ServerOptions } from './options.js';
export { createLogger, type LogLevel } from './logging.js';
export type { RunningServer } from './running-server.js';
export { DEFAULT_LIMITS, type ApiLimits, type RateLimit } from './http/limits.js';
