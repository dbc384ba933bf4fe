/** One server-sent event. `event` is `message` when the stream named none. */
export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Parse a `text/event-stream` body into events, following the WHATWG rules that matter here:
 * LF, CRLF or CR line ends, `:` comments, multi-line `data`, one optional space after the colon,
 * and events that end at a blank line (an unterminated last event is dropped).
 */
export async function* parseEventStream(
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<ServerSentEvent, void, undefined> {
  const decoder = new TextDecoder();
  const parser = new EventParser();
  for await (const chunk of body) {
    yield* parser.push(decoder.decode(chunk, { stream: true }));
  }
  yield* parser.push(decoder.decode());
}

/** Incremental parser: feed text, take the events it completed. */
export class EventParser {
  private buffer = '';
  private pendingCr = false;
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  push(text: string): ServerSentEvent[] {
    const out: ServerSentEvent[] = [];
    // A CR at the end of the previous chunk already ended a line; skip its LF.
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      if (!m) break;
      if (m[0] === '\r' && m.index === this.buffer.length - 1) this.pendingCr = true;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    return out;
  }

  private line(line: string): ServerSentEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id') this.id = value;
    return null;
  }

  private dispatch(): ServerSentEvent | null {
    const hasData = this.data.length > 0;
    const ev: ServerSentEvent = { event: this.event || 'message', data: this.data.join('\n') };
    if (this.id !== undefined) ev.id = this.id;
    this.event = '';
    this.data = [];
    return hasData ? ev : null;
  }
}
