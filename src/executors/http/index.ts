export {
  HttpExecutor,
  DEFAULT_MAX_ERROR_BODY_BYTES,
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_MAX_RESULT_BYTES,
  type HttpExecutorOptions,
} from './http-executor.js';
export { HttpExecution } from './execution.js';
