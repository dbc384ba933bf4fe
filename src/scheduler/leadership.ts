import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { LeaderFence, Store } from '../store/store.js';

export interface LeadershipOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** This replica's id: the lease holder. */
  holder: string;
  name?: string;
  leaseMs: number;
  renewMs: number;
  onElected?: (fence: LeaderFence) => void;
  onDeposed?: () => void;
}

/**
 * Leadership through a lease row in the store.
 *
 *   follower --(lease free or expired: acquire, token+1)--> leader
 *   leader   --(renew every renewMs, keeps token)---------> leader
 *   leader   --(renew refused, or a write refused by its fence, or stop)--> follower
 *
 * Every leader write carries the fence (name, holder, token); the store refuses it once the
 * token has moved on, so a deposed leader that has not noticed yet still cannot change anything.
 * A leader also steps down on its own once its lease has run out without a successful renewal.
 */
export class Leadership {
  private fence: LeaderFence | null = null;
  private expiresAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private ticking: Promise<void> | null = null;
  readonly name: string;

  constructor(private readonly opts: LeadershipOptions) {
    this.name = opts.name ?? 'leader';
  }

  /** The fence to write with, or null when this replica does not lead. */
  current(): LeaderFence | null {
    if (this.fence && this.opts.clock.now() >= this.expiresAt) this.stepDown('lease ran out');
    return this.fence;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.tick();
  }

  /** A write was refused by the fence: someone else leads now. */
  lost(): void {
    this.stepDown('fence refused');
    this.schedule(this.opts.renewMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    if (this.fence) {
      this.fence = null;
      this.opts.onDeposed?.();
      await this.opts.store.leaseRelease(this.name, this.opts.holder).catch(() => undefined);
    }
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private tick(): Promise<void> {
    this.ticking = (async () => {
      try {
        const now = this.opts.clock.now();
        const lease = await this.opts.store.leaseAcquire(
          this.name,
          this.opts.holder,
          this.opts.leaseMs,
          now,
        );
        if (!this.running) return;
        if (lease) {
          this.expiresAt = lease.expiresAt;
          if (!this.fence || this.fence.token !== lease.token) {
            this.fence = { name: this.name, holder: this.opts.holder, token: lease.token };
            this.opts.logger.info({ token: lease.token }, 'elected leader');
            this.opts.onElected?.(this.fence);
          }
        } else if (this.fence) {
          this.stepDown('lease taken');
        }
      } catch (err) {
        this.opts.logger.warn({ err }, 'leader lease renewal failed');
        this.current();
      }
      this.schedule(this.opts.renewMs);
    })();
    return this.ticking;
  }

  private stepDown(why: string): void {
    if (!this.fence) return;
    this.opts.logger.warn({ why }, 'no longer leader');
    this.fence = null;
    this.opts.onDeposed?.();
  }
}
