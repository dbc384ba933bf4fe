import type { Command } from 'commander';
import { ChronoqClient, DEFAULT_URL } from '../client/index.js';
import { createStyle, wantsColour, type Style } from './format.js';
import type { CliIo } from './io.js';

/** The options every command takes (declared once, on the program). */
export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

/** What a command's action works with: the io, the client, output helpers and its exit code. */
export class CliContext {
  /** The exit code once the command is done (errors thrown set it elsewhere). */
  exitCode = 0;
  readonly io: CliIo;

  constructor(io: CliIo) {
    this.io = io;
  }

  globals(cmd: Command): GlobalOptions {
    return cmd.optsWithGlobals<GlobalOptions>();
  }

  /** `--json` was given. */
  json(cmd: Command): boolean {
    return this.globals(cmd).json === true;
  }

  /** A client for `--url`/`--token`, else `CHRONOQ_URL`/`CHRONOQ_TOKEN`, else the default URL. */
  client(cmd: Command): ChronoqClient {
    const g = this.globals(cmd);
    return new ChronoqClient({
      url: g.url || this.io.env.CHRONOQ_URL || DEFAULT_URL,
      token: g.token ?? this.io.env.CHRONOQ_TOKEN ?? '',
      actor: 'cli',
      fetch: this.io.fetch,
    });
  }

  /** Colours for stdout: only on a terminal, never with `--json` or `NO_COLOR`. */
  style(cmd: Command): Style {
    return createStyle(!this.json(cmd) && wantsColour(this.io.stdout.isTTY, this.io.env));
  }

  /** Print a line (or lines) to stdout. */
  print(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Print the API's JSON as it came. */
  printJson(value: unknown, compact = false): void {
    this.print(compact ? JSON.stringify(value) : JSON.stringify(value, null, 2));
  }

  /** Print a line to stderr. */
  warn(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Print `value` as JSON with `--json`, else as `render()` makes it. */
  output<T>(cmd: Command, value: T, render: (v: T, style: Style) => string): void {
    if (this.json(cmd)) this.printJson(value);
    else this.print(render(value, this.style(cmd)));
  }
}
