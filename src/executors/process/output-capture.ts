import type { RunSink } from '../executor.js';

/** How many of the last output lines an attempt keeps for its error report. */
export const TAIL_LINES = 20;
/** Longest tail line kept, in characters (the tail goes into the task's error). */
const TAIL_LINE_MAX = 1024;

export type OutputStream = 'stdout' | 'stderr';

/**
 * The output of one attempt: forwards lines to the sink until `maxBytes` of output (UTF-8,
 * newline included) have been passed on, then writes one marker line to the `log` stream and
 * passes nothing more. Lines past the bound still update the tail, so a failure reports the
 * lines the process wrote last, not the last ones that fitted.
 */
export class OutputCapture {
  private used = 0;
  private truncated = false;
  private readonly last: string[] = [];

  constructor(
    private readonly sink: RunSink,
    private readonly maxBytes: number,
  ) {}

  /** Whether the bound was reached and output is being dropped. */
  get isTruncated(): boolean {
    return this.truncated;
  }

  line(stream: OutputStream, line: string): void {
    this.remember(line);
    if (this.truncated) return;
    const bytes = Buffer.byteLength(line, 'utf8') + 1;
    if (this.used + bytes > this.maxBytes) {
      this.truncated = true;
      this.sink.log('log', `[output truncated after ${formatBytes(this.maxBytes)}]`);
      return;
    }
    this.used += bytes;
    this.sink.log(stream, line);
  }

  /** The last lines written (at most `TAIL_LINES`), oldest first. */
  tail(): string[] {
    return [...this.last];
  }

  private remember(line: string): void {
    this.last.push(line.length > TAIL_LINE_MAX ? line.slice(0, TAIL_LINE_MAX) : line);
    if (this.last.length > TAIL_LINES) this.last.shift();
  }
}

/** `1 MiB`, `64 KiB`, or `1000 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
