/** The net change of a transaction to the number of tasks of one (queue, state) pair. */
export interface CountDelta {
  queue: string;
  state: string;
  n: number;
}

/**
 * The task state changes of one write transaction, netted per (queue, state): a batch of 50
 * assignments in one queue is two pairs, -50 ready and +50 assigned, and a task that moves there
 * and back is none. The drivers write them to their counts before the transaction commits.
 */
export class CountMoves {
  private byQueue = new Map<string, Map<string, number>>();

  /** One task of `queue` went from state `from` to state `to`, as stored. */
  move(queue: string, from: string, to: string): void {
    if (from === to) return;
    let byState = this.byQueue.get(queue);
    if (!byState) this.byQueue.set(queue, (byState = new Map()));
    byState.set(from, (byState.get(from) ?? 0) - 1);
    byState.set(to, (byState.get(to) ?? 0) + 1);
  }

  /** The pairs whose net change is not zero; forgets every move. */
  take(): CountDelta[] {
    if (this.byQueue.size === 0) return [];
    const out: CountDelta[] = [];
    for (const [queue, byState] of this.byQueue) {
      for (const [state, n] of byState) if (n !== 0) out.push({ queue, state, n });
    }
    this.byQueue = new Map();
    return out;
  }

  clear(): void {
    if (this.byQueue.size > 0) this.byQueue = new Map();
  }
}
