import type { QueueSettings } from '../domain/queue.js';
import type { Store } from '../store/store.js';

/** Queue settings for submits, read once and dropped whenever any queue changes. */
export class QueueCache {
  private readonly cache = new Map<string, Promise<QueueSettings>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly store: Store) {
    this.unsubscribe = store.subscribe((e) => {
      if (e.kind === 'queues') this.cache.clear();
    });
  }

  get(name: string): Promise<QueueSettings> {
    let hit = this.cache.get(name);
    if (!hit) {
      hit = this.store.queueGet(name);
      hit.catch(() => this.cache.delete(name));
      this.cache.set(name, hit);
    }
    return hit;
  }

  close(): void {
    this.unsubscribe();
  }
}
