interface Pending<I, O> {
  items: I[];
  resolve: (results: O[]) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions<I, O> {
  /** Writes the items of every waiting call together; one result per item, in order. */
  write: (items: I[]) => Promise<O[]>;
  /** Writes under way at once; while they run, new calls wait and are written together next. */
  maxInFlight?: number;
  /** Most items in one write (a call is never split, so one call may exceed it alone). */
  maxItems?: number;
}

/**
 * Group commit: calls that arrive while earlier writes are under way (or in the same turn of
 * the event loop) are written in one `write`, so a burst costs one transaction, not one each,
 * and the batches grow exactly when the store is the bottleneck. Each call gets its own
 * results, after the write that holds them has committed. If a shared write fails, each call is
 * written again alone, so one bad call never fails another.
 */
export class GroupCommit<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxInFlight: number;
  private readonly maxItems: number;

  constructor(private readonly opts: GroupCommitOptions<I, O>) {
    this.maxInFlight = opts.maxInFlight ?? 1;
    this.maxItems = opts.maxItems ?? 1000;
  }

  /** Write `items` (with whatever else is waiting); resolves with their results, in order. */
  submit(items: I[]): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight >= this.maxInFlight) return;
    const batch = this.take();
    if (batch.length === 0) return;
    this.inFlight++;
    try {
      await this.writeBatch(batch);
    } finally {
      this.inFlight--;
      this.kick();
    }
  }

  /** The waiting calls, oldest first, up to maxItems items (at least one call). */
  private take(): Pending<I, O>[] {
    let n = 0;
    let items = 0;
    while (
      n < this.queue.length &&
      (n === 0 || items + this.queue[n]!.items.length <= this.maxItems)
    ) {
      items += this.queue[n]!.items.length;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async writeBatch(batch: Pending<I, O>[]): Promise<void> {
    try {
      const items = batch.flatMap((p) => p.items);
      const results = await this.opts.write(items);
      if (results.length !== items.length) {
        throw new Error(`group commit: ${results.length} results for ${items.length} items`);
      }
      let at = 0;
      for (const p of batch) {
        p.resolve(results.slice(at, at + p.items.length));
        at += p.items.length;
      }
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      for (const p of batch) {
        try {
          p.resolve(await this.opts.write(p.items));
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }
}
