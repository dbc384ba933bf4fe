import type { Logger } from '../lib/logger.js';
import type { LeaderFence, Store } from '../store/store.js';

export interface PrunerOptions {
  store: Store;
  logger: Logger;
  /** Finished tasks older than this are deleted. */
  retentionMs: number;
  /** Most tasks deleted per statement (default 1,000). */
  batchSize?: number;
  /** Tasks deleted, after each batch (metrics). */
  onPruned?: (count: number) => void;
}

/**
 * Retention, a leader loop: deletes finished tasks older than `retentionMs`, with their attempts,
 * history and logs, in batches, so a backlog never makes one long transaction.
 */
export class Pruner {
  private readonly batchSize: number;

  constructor(private readonly opts: PrunerOptions) {
    this.batchSize = opts.batchSize ?? 1000;
  }

  /** One pass: returns 0 (run again at once) while full batches come back, else undefined. */
  async pass(fence: LeaderFence, now: number): Promise<number | undefined> {
    const deleted = await this.opts.store.taskPrune(
      fence,
      now - this.opts.retentionMs,
      this.batchSize,
    );
    if (deleted > 0) {
      this.opts.logger.debug({ deleted }, 'pruned finished tasks past retention');
      this.opts.onPruned?.(deleted);
    }
    return deleted >= this.batchSize ? 0 : undefined;
  }
}
