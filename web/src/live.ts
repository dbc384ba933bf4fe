import { useEffect, useRef, useSyncExternalStore } from 'react';
import { api } from './api';
import { followSse } from './sse';
import type { Queue, TaskChange } from './types';

/**
 * The one live connection of the dashboard: `GET /api/v1/events` (over fetch, so it carries
 * the token), fanned out to the pages. Also the Overview's memory: throughput per 5-second
 * bucket, counted from the stream since the page opened, and queue depth sampled by polling.
 */
type Kind = 'tasks' | 'workers' | 'queues' | 'logs' | 'workflows';
type Payloads = {
  tasks: TaskChange[];
  workers: Record<string, never>;
  queues: Record<string, never>;
  logs: { taskIds: string[] };
  workflows: { ids: string[] };
};
type Handler<K extends Kind> = (data: Payloads[K]) => void;

export type LiveStatus = 'idle' | 'connecting' | 'open' | 'retrying' | 'ended';

export const BUCKET_MS = 5000;
const MAX_BUCKETS = 720; // an hour
const DEPTH_EVERY_MS = 3000;
const MAX_DEPTH_SAMPLES = 1200;

export interface Bucket {
  t: number;
  started: number;
  succeeded: number;
  failed: number;
}

export interface DepthSample {
  t: number;
  pending: number;
  ready: number;
  running: number;
  paused: number;
}

interface Snapshot {
  status: LiveStatus;
  openedAt: number;
  buckets: Bucket[];
  depth: DepthSample[];
  queues: Queue[] | null;
  queuesError: string | null;
}

const handlers: { [K in Kind]: Set<Handler<K>> } = {
  tasks: new Set(),
  workers: new Set(),
  queues: new Set(),
  logs: new Set(),
  workflows: new Set(),
};
const listeners = new Set<() => void>();
let snap: Snapshot = {
  status: 'idle',
  openedAt: Date.now(),
  buckets: [],
  depth: [],
  queues: null,
  queuesError: null,
};

function update(patch: Partial<Snapshot>): void {
  snap = { ...snap, ...patch };
  for (const fn of listeners) fn();
}

// --- throughput, from task changes ---------------------------------------------------------
const lastSeen = new Map<string, { state: string; attempt: number }>();
const counted = new Set<string>();

function count(kind: 'started' | 'succeeded' | 'failed', key: string, now: number): void {
  if (counted.has(key)) return;
  if (counted.size > 100_000) counted.clear();
  counted.add(key);
  const t = Math.floor(now / BUCKET_MS) * BUCKET_MS;
  const buckets = snap.buckets.slice();
  let last = buckets[buckets.length - 1];
  if (!last || last.t !== t) {
    last = { t, started: 0, succeeded: 0, failed: 0 };
    buckets.push(last);
    if (buckets.length > MAX_BUCKETS) buckets.shift();
  } else {
    last = { ...last };
    buckets[buckets.length - 1] = last;
  }
  last[kind] += 1;
  update({ buckets });
}

function tally(changes: TaskChange[]): void {
  const now = Date.now();
  for (const c of changes) {
    const prev = lastSeen.get(c.id);
    const k = `${c.id}:${c.attempt}`;
    // An attempt began: the first change that shows it on a worker, or already past it (quick
    // tasks go assigned → succeeded in one report, with no `running` in between).
    if (c.attempt > 0 && ['assigned', 'running', 'succeeded', 'failed'].includes(c.state)) {
      count('started', `${k}:started`, now);
    }
    if (c.state === 'succeeded') {
      count('succeeded', `${k}:succeeded`, now);
    } else if (c.state === 'failed') {
      count('failed', `${k}:failed`, now);
    } else if (
      c.state === 'pending' &&
      prev &&
      prev.attempt === c.attempt &&
      ['assigned', 'running', 'paused'].includes(prev.state)
    ) {
      // An attempt failed and the task waits for its retry.
      count('failed', `${k}:failed`, now);
    }
    if (['succeeded', 'failed', 'cancelled', 'skipped'].includes(c.state)) lastSeen.delete(c.id);
    else lastSeen.set(c.id, { state: c.state, attempt: c.attempt });
    if (lastSeen.size > 100_000) lastSeen.clear();
  }
}

// --- queue depth, by polling -----------------------------------------------------------------
async function sampleDepth(): Promise<void> {
  try {
    const { queues } = await api<{ queues: Queue[] }>('GET', '/queues');
    const s: DepthSample = { t: Date.now(), pending: 0, ready: 0, running: 0, paused: 0 };
    for (const q of queues) {
      s.pending += (q.counts.pending ?? 0) + (q.counts.blocked ?? 0);
      s.ready += q.counts.ready ?? 0;
      s.running += (q.counts.running ?? 0) + (q.counts.assigned ?? 0);
      s.paused += q.counts.paused ?? 0;
    }
    const depth = [...snap.depth, s];
    if (depth.length > MAX_DEPTH_SAMPLES) depth.shift();
    update({ depth, queues, queuesError: null });
  } catch (err) {
    update({ queuesError: (err as Error).message });
  }
}

// --- the connection ------------------------------------------------------------------------
let stopStream: (() => void) | null = null;
let depthTimer: ReturnType<typeof setInterval> | null = null;

function dispatch<K extends Kind>(kind: K, data: Payloads[K]): void {
  for (const fn of handlers[kind]) {
    try {
      fn(data);
    } catch (err) {
      console.warn('live handler failed', err);
    }
  }
}

export function startLive(): void {
  if (stopStream) return;
  stopStream = followSse({
    path: () => '/events',
    onStatus: (status) => update({ status }),
    onMessage: (m) => {
      if (
        m.event !== 'tasks' &&
        m.event !== 'workers' &&
        m.event !== 'queues' &&
        m.event !== 'logs' &&
        m.event !== 'workflows'
      )
        return;
      let data: unknown;
      try {
        data = JSON.parse(m.data);
      } catch {
        return;
      }
      if (m.event === 'tasks') {
        const changes = Array.isArray(data) ? (data as TaskChange[]) : [];
        tally(changes);
        dispatch('tasks', changes);
      } else if (m.event === 'logs') {
        dispatch('logs', data as Payloads['logs']);
      } else if (m.event === 'workflows') {
        dispatch('workflows', data as Payloads['workflows']);
      } else {
        dispatch(m.event, {});
      }
    },
  });
  void sampleDepth();
  depthTimer = setInterval(() => void sampleDepth(), DEPTH_EVERY_MS);
}

export function stopLive(): void {
  stopStream?.();
  stopStream = null;
  if (depthTimer) clearInterval(depthTimer);
  depthTimer = null;
  update({ status: 'idle' });
}

export function refreshQueues(): void {
  void sampleDepth();
}

export function useLiveSnapshot(): Snapshot {
  return useSyncExternalStore(
    (fn) => (listeners.add(fn), () => listeners.delete(fn)),
    () => snap,
  );
}

/** Calls `fn` for every event of `kind` while the component is mounted. */
export function useLive<K extends Kind>(kind: K, fn: Handler<K>): void {
  const ref = useRef(fn);
  useEffect(() => {
    ref.current = fn;
  });
  useEffect(() => {
    const h: Handler<K> = (d) => ref.current(d);
    const set = handlers[kind] as Set<Handler<K>>;
    set.add(h);
    return () => void set.delete(h);
  }, [kind]);
}
