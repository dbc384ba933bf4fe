export { FunctionExecutor } from './function-executor.js';
export { HandlerRegistry } from './registry.js';
export type { Handler, HandlerMap, TaskContext } from './handler.js';
export { BUILTIN_HANDLERS, SLEEP_SLICE_MS } from './builtins.js';
export {
  PermanentError,
  SnoozeError,
  TaskAbortedError,
  snooze,
  isSnooze,
  type Snooze,
} from '../errors.js';
