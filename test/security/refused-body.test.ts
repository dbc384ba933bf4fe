import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/index.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ db: 'sqlite::memory:', port: 0, logLevel: 'silent' });
});
afterAll(async () => {
  await server?.shutdown({ graceMs: 0 });
});

/** Resolves with everything the socket has received once `done(text)` holds. */
function readUntil(socket: Socket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (b: Buffer) => {
      text += b.toString('latin1');
      if (!done(text)) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(text);
    };
    const onClose = () => reject(new Error(`connection closed; received: ${text.slice(0, 200)}`));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

const whole = (text: string) => {
  const end = text.indexOf('\r\n\r\n');
  const length = /content-length: (\d+)/i.exec(text);
  return end >= 0 && length !== null && text.length >= end + 4 + Number(length[1]);
};

describe('a body refused for its size', () => {
  it('is answered 413 while the client is still sending, and the connection stays usable', async () => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const total = 2 * 1024 * 1024;
    socket.write(
      `POST /api/v1/tasks HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
        `content-length: ${total}\r\n\r\n`,
    );
    socket.write('a'.repeat(64 * 1024));
    const refusal = await readUntil(socket, whole);
    expect(refusal).toMatch(/^HTTP\/1\.1 413/);
    expect(refusal).not.toMatch(/connection: close/i);
    expect(refusal).toContain('"code":"too_large"');
    // The rest of the body is read and dropped, then the next request is answered.
    socket.write('a'.repeat(total - 64 * 1024));
    socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n');
    const next = await readUntil(socket, whole);
    expect(next).toMatch(/^HTTP\/1\.1 200/);
    socket.destroy();
  });
});
