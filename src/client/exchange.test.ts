import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeExchange } from './exchange.js';

let server: Server | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise((r) => (server?.listening ? server.close(r) : r(undefined)));
  server = undefined;
});

/**
 * A server that answers the first request of each connection (keeping it alive) and drops the
 * connection, unanswered, when a second request comes on it: as a server does that closed the
 * idle connection just as the client reused it.
 */
async function droppingServer(): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server = createServer((socket) => {
    connections++;
    sockets.push(socket);
    let requests = 0;
    socket.on('data', () => {
      requests++;
      if (requests > 1) {
        socket.resetAndDestroy();
        return;
      }
      const body = JSON.stringify({ connection: connections });
      socket.write(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n` +
          `connection: keep-alive\r\n\r\n${body}`,
      );
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/x`, connections: () => connections };
}

describe('nodeExchange', () => {
  it('sends again, on a new connection, a request whose kept-alive connection was dropped', async () => {
    const exchange = nodeExchange()!;
    const { url, connections } = await droppingServer();
    const req = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' };
    expect(await exchange(url, req)).toEqual({ status: 200, text: '{"connection":1}' });
    expect(await exchange(url, req)).toEqual({ status: 200, text: '{"connection":2}' });
    expect(connections()).toBe(2);
  });

  it('fails when a new connection is refused, without trying again', async () => {
    const exchange = nodeExchange()!;
    const { url } = await droppingServer();
    await new Promise((r) => server!.close(r));
    await expect(exchange(url, { method: 'GET', headers: {} })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});
