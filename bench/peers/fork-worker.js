// The parent side of a peer's worker process (./worker-child.js is the child side): fork it, wait
// until it is ready, ask it things, stop it. Registered with bench/children.js so that it is
// killed with the benchmark whatever happens.
import { fork } from 'node:child_process';
import { track } from '../children.js';

export async function forkWorker(script, { env = {}, label, readyTimeoutMs = 60_000 } = {}) {
  const child = fork(script, [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  track(child);
  let out = '';
  const keep = (b) => (out = (out + b.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)));

  let seq = 0;
  const pending = new Map();
  let ready;
  const isReady = new Promise((resolve) => (ready = resolve));
  child.on('message', (m) => {
    if (m.type === 'ready') return ready();
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(`${label}: ${m.error}`));
  });
  exited.then((code) => {
    for (const p of pending.values()) p.reject(new Error(`${label} exited (${code}):\n${out}`));
    pending.clear();
  });

  const alive = () => child.exitCode === null && child.signalCode === null;
  const call = (type, args, timeoutMs = 600_000) =>
    new Promise((resolve, reject) => {
      if (!alive()) return reject(new Error(`${label} is not running:\n${out}`));
      const id = ++seq;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${label}: no answer to ${type} in ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (fn) => (v) => {
        clearTimeout(timer);
        fn(v);
      };
      pending.set(id, { resolve: done(resolve), reject: done(reject) });
      child.send({ id, type, args });
    });

  let timer;
  const outcome = await Promise.race([
    isReady.then(() => 'ready'),
    exited.then((code) => `exited (${code})`),
    new Promise(
      (r) => (timer = setTimeout(() => r(`not ready after ${readyTimeoutMs} ms`), readyTimeoutMs)),
    ),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    child.kill('SIGKILL');
    throw new Error(`${label} ${outcome}:\n${out}`);
  }

  return {
    pid: child.pid,
    call,
    output: () => out,
    /** Ask it to stop cleanly; SIGKILL after `graceMs`. */
    async stop(graceMs = 15_000) {
      if (!alive()) return exited;
      await call('stop', {}, graceMs).catch((err) => {
        console.error(`bench: ${label}: ${err.message}; SIGKILL`);
        child.kill('SIGKILL');
      });
      let t;
      await Promise.race([exited, new Promise((r) => (t = setTimeout(r, graceMs)))]);
      clearTimeout(t);
      if (alive()) child.kill('SIGKILL');
      return exited;
    },
  };
}
