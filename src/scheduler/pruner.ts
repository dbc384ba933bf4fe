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
 * history and logs, and finished workflows and fan-outs whole, in batches, so a backlog never
 * makes one long transaction.
 */
export class Pruner {
  private readonly batchSize: number;

  constructor(private readonly opts: PrunerOptions) {
    this.batchSize = opts.batchSize ?? 1000;
  }

  /** One pass: returns 0 (run again at once) while full batches come back, else undefined. */
  async pass(fence: LeaderFence, now: number): Promise<number | undefined> {
    const before = now - this.opts.retentionMs;
    const deleted = await this.opts.store.taskPrune(fence, before, this.batchSize);
    // Workflows and fan-outs go whole, each with its tasks: fewer of them per transaction.
    const flowBatch = Math.max(1, Math.floor(this.batchSize / 10));
    const flows = await this.opts.store.flowPrune(fence, before, flowBatch);
    const tasks = deleted + flows.tasks;
    if (tasks > 0) {
      this.opts.logger.debug(
        { deleted: tasks, workflows: flows.workflows, fanOuts: flows.fanOuts },
        'pruned finished tasks past retention',
      );
      this.opts.onPruned?.(tasks);
    }
    const full =
      deleted >= this.batchSize || flows.workflows >= flowBatch || flows.fanOuts >= flowBatch;
    return full ? 0 : undefined;
  }
}
