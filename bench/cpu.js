// CPU time of processes (Linux /proc; elsewhere every figure is null): used to say where the CPU
// of a cluster run goes — the server, the workers, the Postgres backends of the bench database.
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime of `pid` (all its threads) in ms, or null. */
export function cpuMs(pid) {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** utime + stime of the main thread of `pid` (its event loop) in ms, or null. */
export function mainThreadCpuMs(pid) {
  return statCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

function statCpuMs(path) {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // fields 14 and 15 of stat(5)
  } catch {
    return null;
  }
}

/** { pid: ms } for each pid. */
export function snapshot(pids) {
  return Object.fromEntries(pids.map((p) => [p, cpuMs(p)]));
}

/** CPU ms spent between two snapshots, summed; a pid absent from `before` counts from 0. */
export function spent(before, after) {
  let total = 0;
  let any = false;
  for (const [pid, ms] of Object.entries(after)) {
    if (ms === null) continue;
    any = true;
    total += ms - (before[pid] ?? 0);
  }
  return any ? total : null;
}
