import pg from 'pg';
import type { Logger } from '../../lib/logger.js';
import { quoteIdent } from './migrations.js';

export interface ListenerOptions {
  client: pg.ClientConfig;
  channel: string;
  onPayload: (payload: string) => void;
  logger: Logger;
  /** First and longest wait between reconnection attempts. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * A dedicated connection (not from the pool) that LISTENs on one channel. When the connection
 * is lost it reconnects with exponential back-off and LISTENs again; notifications sent while
 * it was away are lost (the scheduler's loops also run on a timer, so nothing waits forever).
 */
export class NotificationListener {
  private client: pg.Client | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private listening = false;
  private waiters: (() => void)[] = [];
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly opts: ListenerOptions) {
    this.minDelayMs = opts.minDelayMs ?? 100;
    this.maxDelayMs = opts.maxDelayMs ?? 5000;
  }

  /** Start listening (idempotent). */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = this.run();
  }

  /** Resolves once the LISTEN is in place (again, after a reconnection). */
  ready(): Promise<void> {
    if (this.listening) return Promise.resolve();
    if (this.stopped) return Promise.reject(new Error('the listener is stopped'));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The backend pid of the listening connection, when connected. */
  get pid(): number | null {
    const pid = (this.client as unknown as { processID?: number } | null)?.processID;
    return this.listening && typeof pid === 'number' ? pid : null;
  }

  /**
   * Stop listening and close the connection. A connection attempt in flight is left to finish
   * (it is bounded by the connect timeout) and closed at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    if (this.listening) await this.client?.end().catch(() => undefined);
    await this.running;
    this.running = null;
    for (const w of this.waiters.splice(0)) w();
  }

  private async run(): Promise<void> {
    let delay = this.minDelayMs;
    while (!this.stopped) {
      const client = new pg.Client(this.opts.client);
      this.client = client;
      const lost = new Promise<void>((resolve) => {
        client.on('error', (err) => {
          if (!this.stopped) this.opts.logger.warn({ err }, 'postgres listener: connection failed');
          resolve();
        });
        client.on('end', () => resolve());
      });
      client.on('notification', (msg) => {
        if (msg.channel === this.opts.channel && msg.payload !== undefined) {
          this.opts.onPayload(msg.payload);
        }
      });
      try {
        await client.connect();
        if (!this.stopped) {
          await client.query(`LISTEN ${quoteIdent(this.opts.channel)}`);
          if (!this.stopped) {
            this.listening = true;
            delay = this.minDelayMs;
            for (const w of this.waiters.splice(0)) w();
            await lost;
          }
        }
      } catch (err) {
        if (!this.stopped) this.opts.logger.warn({ err }, 'postgres listener: cannot listen');
      } finally {
        this.listening = false;
        await client.end().catch(() => undefined);
      }
      if (this.stopped) break;
      await this.sleep(delay);
      delay = Math.min(this.maxDelayMs, delay * 2);
    }
    this.client = null;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}
