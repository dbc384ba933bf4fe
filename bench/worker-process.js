// Start `chronoq worker` (a remote worker, over WebSocket) as a child process and wait until it
// has connected, as a user would run it on another machine.
import { spawnChronoq } from './children.js';

export function startWorkerProcess({
  url,
  id,
  concurrency,
  prefetch = 0,
  profileDir,
  extraArgs = [],
}) {
  return spawnChronoq(
    'worker',
    [
      ...['--url', url, '--id', id, '--name', id],
      ...['--concurrency', String(concurrency), '--prefetch', String(prefetch)],
      ...extraArgs,
    ],
    { ready: /connected to \S+/, profileDir, label: `chronoq worker ${id}` },
  );
}
