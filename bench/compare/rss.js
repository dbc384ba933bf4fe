// Peak resident set size of a process: VmHWM of /proc/PID/status (Linux; null elsewhere). The
// kernel keeps the high-water mark, so one reading before the process stops covers its whole life.
import { readFileSync } from 'node:fs';

/** Peak RSS of `pid` in MB (10^6 bytes), or null. */
export function peakRssMb(pid) {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round((Number(m[1]) * 1024) / 1e6) : null;
  } catch {
    return null;
  }
}
