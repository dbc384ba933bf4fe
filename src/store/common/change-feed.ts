import type { Logger } from '../../lib/logger.js';
import type { ChangeEvent } from '../store.js';

/**
 * The subscribers of one store instance, for both drivers. Local changes are emitted right after
 * their commit; with Postgres, other replicas' changes arrive through LISTEN/NOTIFY. A listener
 * that throws is logged and
 * skipped, so one bad subscriber can neither break a store call nor starve the others.
 */
export class ChangeFeed {
  private readonly listeners = new Set<(event: ChangeEvent) => void>();

  constructor(private readonly logger: Logger) {}

  get size(): number {
    return this.listeners.size;
  }

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    // Wrapped, so the same function subscribed twice gets two independent subscriptions.
    const entry = (event: ChangeEvent) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(event: ChangeEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.logger.warn({ err, kind: event.kind }, 'change listener threw');
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
