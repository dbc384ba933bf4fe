import { describe, expect, it } from 'vitest';
import type { WorkerToServer } from '../protocol/worker-messages.js';
import { Reporter } from './reporter.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

type ReportsMessage = Extract<WorkerToServer, { type: 'reports' }>;

function collector() {
  const sent: ReportsMessage[] = [];
  return { sent, send: (m: WorkerToServer) => (sent.push(m as ReportsMessage), true) };
}

describe('Reporter', () => {
  it('sends what one tick reported as one message', async () => {
    const r = new Reporter();
    const c = collector();
    r.attach(c.send);
    r.report({ kind: 'started', taskId: 'a', attempt: 1 });
    r.report({ kind: 'succeeded', taskId: 'a', attempt: 1, result: 1 });
    r.log('a', 1, 'log', 'line');
    expect(c.sent).toHaveLength(0);
    await tick();
    expect(c.sent).toHaveLength(1);
    expect(c.sent[0]).toMatchObject({
      type: 'reports',
      reports: [{ kind: 'started' }, { kind: 'succeeded' }],
      logs: [{ taskId: 'a', line: 'line', stream: 'log' }],
    });
  });

  it('coalesces repeated progress of one attempt in a batch', async () => {
    const r = new Reporter();
    const c = collector();
    r.attach(c.send);
    r.report({ kind: 'progress', taskId: 'a', attempt: 1, progress: 0.1 });
    r.report({ kind: 'progress', taskId: 'b', attempt: 1, progress: 0.2 });
    r.report({ kind: 'progress', taskId: 'a', attempt: 1, progress: 0.3 });
    await tick();
    expect(c.sent[0]).toMatchObject({
      reports: [
        { taskId: 'a', progress: 0.3 },
        { taskId: 'b', progress: 0.2 },
      ],
    });
  });

  it('keeps reports while detached and sends them after attach', async () => {
    const r = new Reporter({ maxBufferedLogs: 2 });
    r.report({ kind: 'succeeded', taskId: 'a', attempt: 3, result: null });
    for (const line of ['1', '2', '3']) r.log('a', 3, 'stdout', line);
    expect(r.unsent()).toEqual([{ taskId: 'a', attempt: 3 }]);
    await tick();
    const c = collector();
    r.attach(c.send);
    await tick();
    expect(c.sent).toHaveLength(1);
    expect(c.sent[0]).toMatchObject({
      reports: [{ kind: 'succeeded', taskId: 'a' }],
      logs: [{ line: '2' }, { line: '3' }],
    });
    // Sent, not yet written: still held for the server until it acknowledges the message.
    expect(r.unsent()).toEqual([{ taskId: 'a', attempt: 3 }]);
    r.acknowledged(c.sent[0]!.seq!);
    expect(r.unsent()).toEqual([]);
  });

  it('sends final reports again after a reconnect unless they were acknowledged', async () => {
    const r = new Reporter();
    const first = collector();
    r.attach(first.send);
    r.report({ kind: 'succeeded', taskId: 'a', attempt: 1, result: 1 });
    await tick();
    r.report({ kind: 'progress', taskId: 'b', attempt: 1, progress: 0.5 });
    r.report({ kind: 'failed', taskId: 'b', attempt: 1, error: { message: 'x' } });
    await tick();
    expect(first.sent.map((m) => m.seq)).toEqual([1, 2]);
    r.acknowledged(1);
    r.detach(); // the second message may never have been written
    expect(r.unsent()).toEqual([{ taskId: 'b', attempt: 1 }]);
    const second = collector();
    r.attach(second.send);
    await tick();
    expect(second.sent).toHaveLength(1);
    expect(second.sent[0]!.reports).toEqual([
      { kind: 'failed', taskId: 'b', attempt: 1, error: { message: 'x' } },
    ]);
    r.acknowledged(second.sent[0]!.seq!);
    r.detach();
    expect(r.pending).toBe(0);
    expect(r.unsent()).toEqual([]);
  });

  it('keeps a batch the connection refused', async () => {
    const r = new Reporter();
    r.attach(() => false);
    r.report({ kind: 'cancelled', taskId: 'a', attempt: 1 });
    await tick();
    expect(r.attached).toBe(false);
    expect(r.pending).toBe(1);
  });
});
