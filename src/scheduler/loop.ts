import type { Logger } from '../lib/logger.js';

export interface LoopOptions {
  name: string;
  /** One pass. Returns how long to wait before the next pass when not woken (ms), or undefined for `idleMs`. */
  run: () => Promise<number | undefined>;
  /** Longest wait between passes. */
  idleMs: number;
  logger: Logger;
  /** Called with errors a pass throws; the loop goes on after `idleMs`. */
  onError?: (err: unknown) => void;
}

/**
 * A small background loop: runs one pass at a time, sleeps until the pass's requested delay or
 * `idleMs`, and wakes early on `wake()`. Wakes during a pass are coalesced into one more pass, so
 * a burst of change events costs one extra pass, not one pass each.
 */
export class Loop {
  private running = false;
  private passInFlight: Promise<void> | null = null;
  private wakeRequested = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;

  constructor(private readonly opts: LoopOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake();
  }

  /** Run a pass soon (next turn of the event loop), or right after the current one. */
  wake(): void {
    if (!this.running) return;
    if (this.passInFlight) {
      this.wakeRequested = true;
      return;
    }
    if (this.immediate) return;
    this.clearTimer();
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.pass();
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.clearTimer();
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    await this.passInFlight;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private pass(): void {
    if (!this.running || this.passInFlight) return;
    this.wakeRequested = false;
    this.passInFlight = (async () => {
      let delay: number | undefined = this.opts.idleMs;
      try {
        delay = (await this.opts.run()) ?? this.opts.idleMs;
      } catch (err) {
        this.opts.onError?.(err);
        this.opts.logger.error({ err, loop: this.opts.name }, 'loop pass failed');
      }
      this.passInFlight = null;
      if (!this.running) return;
      if (this.wakeRequested) {
        this.wake();
        return;
      }
      this.clearTimer();
      const wait = Math.max(0, Math.min(delay, this.opts.idleMs));
      if (wait === 0) this.wake();
      else this.timer = setTimeout(() => this.pass(), wait);
    })();
  }
}
