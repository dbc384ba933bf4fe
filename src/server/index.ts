export { startServer, type StartServerDeps } from './start-server.js';
export type { ServerOptions } from './options.js';
export type { RunningServer } from './running-server.js';
