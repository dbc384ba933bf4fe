import type { WorkerEvents } from '../events.js';
import type { WorkerRuntime } from '../runtime.js';

/**
 * Resolves with the next `event` of `runtime` that `match` accepts (listen before acting);
 * rejects after `timeoutMs` so a broken test fails instead of hanging.
 */
export function nextEvent<K extends keyof WorkerEvents>(
  runtime: WorkerRuntime,
  event: K,
  match: (payload: WorkerEvents[K]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<WorkerEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for worker event ${String(event)}`));
    }, timeoutMs);
    const off = runtime.on(event, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}
