export { startServer, type ServerOptions, type RunningServer } from './server/index.js';
export { ChronoqClient, ChronoqApiError } from './client/index.js';
