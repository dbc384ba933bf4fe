/**
 * Cuts a stream of text into lines. Lines end at `\n`; a `\r` before it is dropped, so `\r\n`
 * output reads the same as `\n` output. A line longer than `maxLineLength` characters is cut
 * into pieces of that length, so a process that never writes a newline cannot grow the buffer
 * without bound.
 */
export class LineSplitter {
  private partial = '';

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineLength = 64 * 1024,
  ) {}

  /** Feed decoded text; complete lines are passed to `onLine` at once. */
  push(text: string): void {
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline === -1) break;
      const line = this.partial + text.slice(start, newline);
      this.partial = '';
      this.emit(line);
      start = newline + 1;
    }
    this.partial += text.slice(start);
    while (this.partial.length > this.maxLineLength) {
      this.onLine(this.partial.slice(0, this.maxLineLength));
      this.partial = this.partial.slice(this.maxLineLength);
    }
  }

  /** The stream ended: pass on the last line if it had no newline. */
  end(): void {
    if (this.partial.length === 0) return;
    const line = this.partial;
    this.partial = '';
    this.emit(line);
  }

  private emit(line: string): void {
    this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}
