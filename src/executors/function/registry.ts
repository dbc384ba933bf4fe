import type { Handler, HandlerMap } from './handler.js';

/** The same rule as task type names in task specs (protocol's `nameSchema`). */
const TYPE_NAME = /^[A-Za-z0-9_.:@/+-]{1,200}$/;

/** Task type name → handler. One registry per worker; the function executor reads it. */
export class HandlerRegistry {
  private readonly handlers = new Map<string, Handler>();

  constructor(initial: HandlerMap = {}) {
    this.registerAll(initial);
  }

  /** Add a handler; a second handler for the same type replaces the first. */
  register(type: string, handler: Handler): this {
    if (!TYPE_NAME.test(type))
      throw new TypeError(`invalid task type name: ${JSON.stringify(type)}`);
    if (typeof handler !== 'function') throw new TypeError(`handler for ${type} is not a function`);
    this.handlers.set(type, handler);
    return this;
  }

  registerAll(map: HandlerMap): this {
    for (const [type, handler] of Object.entries(map)) this.register(type, handler);
    return this;
  }

  get(type: string): Handler | undefined {
    return this.handlers.get(type);
  }

  has(type: string): boolean {
    return this.handlers.has(type);
  }

  /** The registered type names, sorted. */
  types(): string[] {
    return [...this.handlers.keys()].sort();
  }
}
