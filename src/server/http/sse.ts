import type { FastifyReply, FastifyRequest } from 'fastify';

/** A server-sent event stream on a hijacked reply. */
export interface EventStream {
  send(event: string, data: unknown): void;
  close(): void;
  readonly closed: boolean;
  onClose(fn: () => void): void;
}

export function openEventStream(request: FastifyRequest, reply: FastifyReply): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write(': stream open\n\n');
  let closed = false;
  const closers: (() => void)[] = [];
  const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    for (const fn of closers) fn();
  };
  request.raw.on('close', finish);
  return {
    send(event, data) {
      if (closed) return;
      raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close() {
      if (closed) return;
      finish();
      raw.end();
    },
    get closed() {
      return closed;
    },
    onClose(fn) {
      closers.push(fn);
    },
  };
}
