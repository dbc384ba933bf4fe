import { readFileSync } from 'node:fs';
import type { FetchLike } from '../client/index.js';
import type { RunningServer, ServerOptions } from '../server/index.js';

/** Where output goes; `isTTY` turns colour on. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Everything the CLI touches outside itself, so a test can run it in-process: streams,
 * environment, files, signals, the network and the server.
 */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  /** Reads `--payload @file`. */
  readFile(path: string): string;
  /** Subscribe to SIGINT/SIGTERM; returns the unsubscribe. */
  onSignal(handler: (signal: string) => void): () => void;
  /** Leave at once (a second signal while the server shuts down). */
  exit(code: number): void;
  now(): number;
  /** The fetch the client uses (default: global fetch). */
  fetch?: FetchLike;
  /** Starts the server (default: `startServer` of src/server, loaded when first needed). */
  startServer?: (options: ServerOptions) => Promise<RunningServer>;
}

/** The real process. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    readFile: (path) => readFileSync(path, 'utf8'),
    onSignal(handler) {
      const signals = ['SIGINT', 'SIGTERM'] as const;
      for (const s of signals) process.on(s, handler);
      return () => {
        for (const s of signals) process.off(s, handler);
      };
    },
    exit: (code) => process.exit(code),
    now: () => Date.now(),
  };
}
