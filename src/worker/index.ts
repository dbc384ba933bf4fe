/**
 * The worker runtime's public surface, for the server (local pool) and the SDK (`Worker`).
 * Handler types and errors are re-exported here so that neither imports the executors directly.
 */
export { WorkerRuntime, type WorkerRuntimeState } from './runtime.js';
export type { WorkerRuntimeOptions, WorkerStopOptions } from './options.js';
export type { WorkerEvents } from './events.js';
export type { WorkerLogger } from './logger.js';
export { WorkerProtocolError, type ReconnectOptions } from './session.js';
export { ProcessExecutor, type ProcessExecutorOptions } from '../executors/process/index.js';
export { HttpExecutor, type HttpExecutorOptions } from '../executors/http/index.js';
export { WebSocketTransport, type WebSocketTransportOptions } from './websocket-transport.js';
export { MemoryTransport, type Acceptor, type ServerEnd } from './memory-transport.js';
export type { ConnectionHandlers, WorkerConnection, WorkerTransport } from './transport.js';
export {
  PermanentError,
  SnoozeError,
  TaskAbortedError,
  snooze,
  isSnooze,
  type Snooze,
  type Handler,
  type HandlerMap,
  type TaskContext,
} from '../executors/function/index.js';
export type {
  Executor,
  Execution,
  RunInput,
  RunResult,
  RunSink,
  StopReason,
} from '../executors/executor.js';
