import type { HeldAttempt } from '../../protocol/worker-messages.js';
import type { Held } from './session.js';

/**
 * The tasks whose attempt the session holds for its worker, that the worker was told of in one
 * of the first `received` messages of the session (so it has handled that message), and that the
 * worker does not name in `holding`: it lost them. An attempt sent later, or not sent yet, is not
 * judged; neither is one the worker reported final (its entry is released when the report
 * arrives, and the worker names an attempt until that report is acknowledged).
 */
export function lostAttempts(
  held: ReadonlyMap<string, Held>,
  received: number,
  holding: readonly HeldAttempt[],
): string[] {
  const named = new Map(holding.map((h) => [h.taskId, h.attempt]));
  const lost: string[] = [];
  for (const [taskId, h] of held) {
    if (h.sentAt === undefined || h.sentAt > received) continue;
    if (named.get(taskId) !== h.attempt) lost.push(taskId);
  }
  return lost;
}
