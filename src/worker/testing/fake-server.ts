import type { Report } from '../../domain/state-machine.js';
import {
  PROTOCOL_VERSION,
  workerToServerSchema,
  type AssignmentMessage,
  type ServerToWorker,
  type WorkerToServer,
} from '../../protocol/worker-messages.js';
import { MemoryTransport, type ServerEnd } from '../memory-transport.js';
import type { ConnectionHandlers } from '../transport.js';

type RegisterSent = Extract<WorkerToServer, { type: 'register' }>;

export interface FakeServerOptions {
  /** Answer `register` with `welcome` (default true). */
  autoWelcome?: boolean;
  /** `heartbeatMs` of the welcome (default 60 s, so tests see no heartbeat unless they ask). */
  heartbeatMs?: number;
  /** `protocolVersion` of the welcome (default the current one). */
  protocolVersion?: number;
  /** How long `waitFor` waits before failing the test (default 5 s). */
  timeoutMs?: number;
}

/** An assignment with test defaults: a `chronoq.noop` function task, attempt 1, wanted running. */
export function assignment(
  overrides: Partial<AssignmentMessage> & Pick<AssignmentMessage, 'id'>,
): AssignmentMessage {
  return {
    attempt: 1,
    want: 'run',
    type: 'chronoq.noop',
    queue: 'default',
    payload: null,
    executor: { kind: 'function' },
    timeoutMs: null,
    labels: {},
    workflowId: null,
    stepId: null,
    parents: {},
    ...overrides,
  };
}

/**
 * A scripted server end for worker tests, over a `MemoryTransport`: records (and validates) every
 * message the worker sends, lets the test send `assign` / `want` / `revoke` / `error`, drop the
 * session or refuse connections, and await the next message matching a predicate.
 */
export class FakeServer {
  readonly transport: MemoryTransport;
  /** Every message received, in order, across sessions. */
  readonly messages: WorkerToServer[] = [];
  /** How many sessions were opened. */
  connections = 0;
  /** While true, connection attempts fail. */
  offline = false;
  /** Why the last session was closed by the worker, if it was. */
  closedReason: string | null = null;
  private worker: ConnectionHandlers | null = null;
  private waiters = new Set<() => void>();
  private readonly opts: Required<FakeServerOptions>;

  constructor(options: FakeServerOptions = {}) {
    this.opts = {
      autoWelcome: options.autoWelcome ?? true,
      heartbeatMs: options.heartbeatMs ?? 60_000,
      protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
      timeoutMs: options.timeoutMs ?? 5_000,
    };
    this.transport = new MemoryTransport((toWorker) => this.accept(toWorker));
  }

  /** Whether a session is open. */
  get connected(): boolean {
    return this.worker !== null;
  }

  /** Every report received, in order. */
  get reports(): Report[] {
    return this.messages.flatMap((m) => (m.type === 'reports' ? (m.reports as Report[]) : []));
  }

  /** Every register message received, in order. */
  get registers(): RegisterSent[] {
    return this.messages.filter((m): m is RegisterSent => m.type === 'register');
  }

  /** Reports about one task, in order. */
  reportsOf(taskId: string): Report[] {
    return this.reports.filter((r) => r.taskId === taskId);
  }

  send(message: ServerToWorker): void {
    if (this.worker === null) throw new Error('no worker is connected');
    this.worker.onMessage(message);
  }

  assign(tasks: AssignmentMessage[], full = false): void {
    this.send({ type: 'assign', tasks, full });
  }

  want(taskId: string, want: 'run' | 'pause' | 'cancel', attempt = 1): void {
    this.send({ type: 'want', taskId, attempt, want });
  }

  revoke(taskId: string, attempt = 1, reason = 'test'): void {
    this.send({ type: 'revoke', taskId, attempt, reason });
  }

  /** End the session from the server side (the worker should reconnect). */
  drop(reason = 'dropped by test'): void {
    const worker = this.worker;
    this.worker = null;
    worker?.onClose(reason);
  }

  /** Resolves with the first message from index `since` on (default 0) that `match` accepts. */
  waitFor<T extends WorkerToServer = WorkerToServer>(
    match: (m: WorkerToServer) => boolean,
    since = 0,
  ): Promise<T> {
    return this.until(() => this.messages.slice(since).find(match) as T | undefined, 'a message');
  }

  /** Resolves with the first report from index `since` on (in `reports`) that `match` accepts. */
  waitForReport<K extends Report['kind']>(
    taskId: string,
    kind: K,
    since = 0,
  ): Promise<Extract<Report, { kind: K }>> {
    return this.until(
      () =>
        this.reports.slice(since).find((r) => r.taskId === taskId && r.kind === kind) as
          Extract<Report, { kind: K }> | undefined,
      `a ${kind} report of ${taskId}`,
    );
  }

  /** Resolves once the worker closed its session. */
  waitForClose(): Promise<string> {
    return this.until(() => this.closedReason ?? undefined, 'the worker to close');
  }

  /** Resolves with the `n`th register message (1-based). */
  waitForRegister(n = 1): Promise<RegisterSent> {
    return this.until(() => this.registers[n - 1], `register #${n}`);
  }

  private until<T>(probe: () => T | undefined, what: string): Promise<T> {
    const found = probe();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const value = probe();
        if (value === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`fake server: timed out waiting for ${what}`));
      }, this.opts.timeoutMs);
      this.waiters.add(check);
    });
  }

  private accept(toWorker: ConnectionHandlers): ServerEnd {
    if (this.offline) throw new Error('server is offline');
    this.connections++;
    this.worker = toWorker;
    return {
      receive: (message) => {
        if (this.worker !== toWorker) return; // a late message of an old session
        const parsed = workerToServerSchema.safeParse(message);
        if (!parsed.success) {
          throw new Error(`fake server: invalid message ${JSON.stringify(message)}`);
        }
        this.messages.push(message);
        if (message.type === 'register' && this.opts.autoWelcome) {
          toWorker.onMessage({
            type: 'welcome',
            workerId: message.id ?? 'worker-1',
            protocolVersion: this.opts.protocolVersion,
            heartbeatMs: this.opts.heartbeatMs,
            leaseMs: this.opts.heartbeatMs * 5,
          });
        }
        for (const check of [...this.waiters]) check();
      },
      close: (reason) => {
        if (this.worker !== toWorker) return;
        this.worker = null;
        this.closedReason = reason;
        for (const check of [...this.waiters]) check();
      },
    };
  }
}
