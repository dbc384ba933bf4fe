import type { CliIo } from '../io.js';

/** A `CliIo` for tests: captured output, a fixed clock, files from a map, signals on demand. */
export interface MemoryIo extends CliIo {
  out(): string;
  err(): string;
  /** Deliver a signal to the current handlers. */
  signal(name?: string): void;
  exits: number[];
}

export function memoryIo(
  o: { env?: Record<string, string>; files?: Record<string, string>; now?: number } = {},
): MemoryIo {
  let out = '';
  let err = '';
  const handlers = new Set<(s: string) => void>();
  const exits: number[] = [];
  return {
    stdout: { write: (s: string) => (out += s), isTTY: false },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    env: o.env ?? {},
    readFile(path) {
      const text = o.files?.[path];
      if (text === undefined) throw Object.assign(new Error(`no file ${path}`), { code: 'ENOENT' });
      return text;
    },
    onSignal(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    exit: (code) => void exits.push(code),
    now: () => o.now ?? Date.parse('2030-01-01T00:01:00.000Z'),
    out: () => out,
    err: () => err,
    signal(name = 'SIGTERM') {
      for (const h of [...handlers]) h(name);
    },
    exits,
  };
}
