import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export type HandlerModule = Record<string, (ctx: never) => unknown>;

/**
 * Load a module of handlers: its default export or its `handlers` export, an object that maps
 * task type names to functions.
 */
export async function loadHandlers(file: string): Promise<HandlerModule> {
  const mod = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  const table = (mod.handlers ?? mod.default) as unknown;
  if (typeof table !== 'object' || table === null) {
    throw new Error(`${file} must export an object of handlers (default or named "handlers")`);
  }
  for (const [name, fn] of Object.entries(table)) {
    if (typeof fn !== 'function') throw new Error(`${file}: handler ${name} is not a function`);
  }
  return table as HandlerModule;
}
