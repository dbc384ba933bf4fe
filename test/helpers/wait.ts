/**
 * Poll `check` until it returns something other than undefined/false, or fail after
 * `timeoutMs` naming `what`. For states with no event to wait on (a process's view of the
 * cluster, a row in the store); the timeout bounds the wait, it is never the condition.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError ? ` (last error: ${String(lastError)})` : '';
      throw new Error(`timed out waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 100));
  }
}
