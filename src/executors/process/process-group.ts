/**
 * Signals to a process group. The child is spawned `detached`, so it leads a group whose id is
 * its pid and every process it starts (unless it makes its own session) belongs to that group.
 */

/**
 * Send `signal` to every process of group `pgid`. Returns false when no process of the group
 * is left (ESRCH) or the signal was not allowed (EPERM); it never throws.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Whether any process of group `pgid` is still there (a zombie counts until it is reaped). */
export function groupExists(pgid: number): boolean {
  return signalGroup(pgid, 0);
}

/**
 * Terminates a process group: SIGTERM (and SIGCONT, so a stopped group can act on it), then
 * SIGKILL once `graceMs` have passed if any process of the group is left. Watching stops as soon
 * as the group is gone. Calling `terminate()` again does nothing more.
 */
export class GroupTerminator {
  private static readonly POLL_MS = 50;
  private started = false;

  constructor(
    private readonly pgid: number,
    private readonly graceMs: number,
  ) {}

  terminate(): void {
    if (this.started) return;
    this.started = true;
    if (!signalGroup(this.pgid, 'SIGTERM')) return;
    signalGroup(this.pgid, 'SIGCONT');
    const deadline = Date.now() + this.graceMs;
    const check = (): void => {
      if (!groupExists(this.pgid)) return;
      const left = deadline - Date.now();
      if (left <= 0) signalGroup(this.pgid, 'SIGKILL');
      else setTimeout(check, Math.min(GroupTerminator.POLL_MS, left));
    };
    setTimeout(check, Math.min(GroupTerminator.POLL_MS, this.graceMs));
  }
}
