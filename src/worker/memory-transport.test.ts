import { describe, expect, it } from 'vitest';
import type { WorkerToServer } from '../protocol/worker-messages.js';
import { MemoryTransport } from './memory-transport.js';

describe('MemoryTransport', () => {
  it('delivers asynchronously and in order, the close after the messages sent before it', async () => {
    const events: string[] = [];
    let done!: () => void;
    const closed = new Promise<void>((r) => (done = r));
    const transport = new MemoryTransport(() => ({
      receive: (m: WorkerToServer) => events.push(m.type),
      close: (reason) => {
        events.push(`close: ${reason}`);
        done();
      },
    }));
    const connection = await transport.connect({ onMessage: () => {}, onClose: () => {} });
    connection.send({ type: 'heartbeat', load: 0 });
    connection.send({ type: 'drain' });
    connection.close();
    expect(events).toEqual([]);
    await closed;
    expect(events).toEqual(['heartbeat', 'drain', 'close: closed by worker']);
    expect(() => connection.send({ type: 'drain' })).toThrow(/closed/);
  });

  it('passes the worker handlers to the acceptor, and rejects when it throws', async () => {
    const got: string[] = [];
    const transport = new MemoryTransport((toWorker) => {
      toWorker.onMessage({ type: 'error', code: 'x', message: 'hello' });
      return { receive: () => {}, close: () => {} };
    });
    await transport.connect({
      onMessage: (m) => got.push(m.type),
      onClose: () => {},
    });
    expect(got).toEqual(['error']);
    const refusing = new MemoryTransport(() => {
      throw new Error('full');
    });
    await expect(refusing.connect({ onMessage: () => {}, onClose: () => {} })).rejects.toThrow(
      'full',
    );
  });
});
