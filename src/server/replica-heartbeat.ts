import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/store.js';

/** Keeps this replica's row in the store fresh, so `GET /cluster` can tell who serves. */
export class ReplicaHeartbeat {
  private timer: NodeJS.Timeout | null = null;
  private readonly startedAt: number;

  constructor(
    private readonly opts: {
      store: Store;
      clock: Clock;
      logger: Logger;
      id: string;
      url: string;
      periodMs: number;
      ttlMs: number;
    },
  ) {
    this.startedAt = opts.clock.now();
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((err: unknown) =>
        this.opts.logger.warn({ err }, 'replica heartbeat failed'),
      );
    }, this.opts.periodMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.opts.store.replicaRemove(this.opts.id).catch(() => undefined);
  }

  private beat(): Promise<void> {
    const now = this.opts.clock.now();
    return this.opts.store.replicaHeartbeat({
      id: this.opts.id,
      url: this.opts.url,
      startedAt: this.startedAt,
      heartbeatAt: now,
      expiresAt: now + this.opts.ttlMs,
    });
  }
}
