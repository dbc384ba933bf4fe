export {
  ProcessExecutor,
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_MAX_ENV_PAYLOAD_BYTES,
  DEFAULT_MAX_OUTPUT_BYTES,
  type ProcessExecutorOptions,
} from './process-executor.js';
export { ProcessExecution } from './execution.js';
