import { describe, expect, it } from 'vitest';
import { EventParser, parseEventStream } from './sse.js';

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  for (const p of parts) yield enc.encode(p);
}

async function collect(...parts: string[]) {
  const out = [];
  for await (const ev of parseEventStream(chunks(...parts))) out.push(ev);
  return out;
}

describe('parseEventStream', () => {
  it('reads named events and skips comments', async () => {
    expect(await collect(': hello\n\nevent: log\ndata: {"a":1}\n\n')).toEqual([
      { event: 'log', data: '{"a":1}' },
    ]);
  });

  it('joins multi-line data and defaults the name to message', async () => {
    expect(await collect('data: a\ndata:b\nid: 7\n\n')).toEqual([
      { event: 'message', data: 'a\nb', id: '7' },
    ]);
  });

  it('handles CRLF and CR line ends split across chunks', async () => {
    expect(await collect('event: x\r', '\ndata: 1\r', '\r', 'event: y\rdata: 2\r\r')).toEqual([
      { event: 'x', data: '1' },
      { event: 'y', data: '2' },
    ]);
  });

  it('handles a multi-byte character split across chunks', async () => {
    const bytes = new TextEncoder().encode('data: é\n\n');
    async function* split(): AsyncGenerator<Uint8Array> {
      yield bytes.slice(0, 7);
      yield bytes.slice(7);
    }
    const out = [];
    for await (const ev of parseEventStream(split())) out.push(ev);
    expect(out).toEqual([{ event: 'message', data: 'é' }]);
  });

  it('drops an event with no data and an unterminated last event', async () => {
    expect(await collect('event: empty\n\ndata: half')).toEqual([]);
  });

  it('parses incrementally', () => {
    const p = new EventParser();
    expect(p.push('event: log\nda')).toEqual([]);
    expect(p.push('ta: 1\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'log', data: '1' }]);
  });
});
