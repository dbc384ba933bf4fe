import type { Execution, Executor, RunInput, RunResult, RunSink } from '../executor.js';
import { BUILTIN_HANDLERS } from './builtins.js';
import { FunctionExecution } from './execution.js';
import type { HandlerMap } from './handler.js';
import { HandlerRegistry } from './registry.js';

/**
 * The `function` executor: runs handlers registered in this process, looked up by task type.
 * The built-in `chronoq.*` handlers are always registered first; user handlers may not replace them.
 */
export class FunctionExecutor implements Executor {
  readonly kind = 'function' as const;
  readonly registry: HandlerRegistry;

  constructor(handlers: HandlerMap | HandlerRegistry = {}) {
    const registry = handlers instanceof HandlerRegistry ? handlers : new HandlerRegistry(handlers);
    for (const type of Object.keys(BUILTIN_HANDLERS)) {
      const existing = registry.get(type);
      if (existing !== undefined && existing !== BUILTIN_HANDLERS[type]) {
        throw new Error(`handler ${type} is built in and cannot be replaced`);
      }
    }
    registry.registerAll(BUILTIN_HANDLERS);
    this.registry = registry;
  }

  /** The task types this executor can run (built-ins included), sorted. */
  types(): string[] {
    return this.registry.types();
  }

  start(input: RunInput, sink: RunSink): Execution {
    const handler = this.registry.get(input.type);
    if (handler === undefined) return new SettledExecution(unknownType(input.type));
    return new FunctionExecution(handler, input, sink);
  }
}

function unknownType(type: string): RunResult {
  return {
    kind: 'failed',
    error: { message: `no handler is registered for task type "${type}"`, code: 'UNKNOWN_TYPE' },
    retryable: false,
  };
}

/** An execution that is over before it began. */
class SettledExecution implements Execution {
  readonly done: Promise<RunResult>;
  constructor(result: RunResult) {
    this.done = Promise.resolve(result);
  }
  pause(): Promise<void> {
    return Promise.resolve();
  }
  resume(): Promise<void> {
    return Promise.resolve();
  }
  stop(): void {}
}
