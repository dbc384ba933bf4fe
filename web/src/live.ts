import { useEffect, useRef, useSyncExternalStore } from 'react';
import { api } from './api';
import { followSse } from './sse';
import type { Queue, TaskChange, TaskPage } from './types';

/**
 * The one live connection of the dashboard: `GET /api/v1/events` (over fetch, so it carries
 * the token), fanned out to the pages. Also the Overview's memory: throughput per 5-second
 * bucket, counted from the stream since the page opened, and queue depth sampled by polling.
 */
type Kind = 'tasks' | 'workers' | 'queues' | 'logs' | 'workflows' | 'schedules';
type Payloads = {
  tasks: TaskChange[];
  workers: Record<string, never>;
  queues: Record<string, never>;
  logs: { taskIds: string[] };
  workflows: { ids: string[] };
  schedules: Record<string, never>;
};
type Handler<K extends Kind> = (data: Payloads[K]) => void;

export type LiveStatus = 'idle' | 'connecting' | 'open' | 'retrying' | 'ended';

export const BUCKET_MS = 5000;
const MAX_BUCKETS = 720; // an hour
const DEPTH_EVERY_MS = 3000;
const MAX_DEPTH_SAMPLES = 1200;

export interface Counts {
  started: number;
  succeeded: number;
  failed: number;
}

export interface Bucket extends Counts {
  t: number;
  /** The same counts, by queue. */
  byQueue: Record<string, Counts>;
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
  /** Since when the throughput buckets are complete. */
  openedAt: number;
  /** The recent past has been read (or could not be). */
  backfilled: boolean;
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
  schedules: new Set(),
};
const listeners = new Set<() => void>();
let snap: Snapshot = {
  status: 'idle',
  openedAt: Date.now(),
  backfilled: false,
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

function count(
  kind: 'started' | 'succeeded' | 'failed',
  key: string,
  queue: string,
  at: number,
  notify = true,
): void {
  if (counted.has(key)) return;
  if (counted.size > 100_000) counted.clear();
  counted.add(key);
  const t = Math.floor(at / BUCKET_MS) * BUCKET_MS;
  const buckets = snap.buckets.slice();
  // Buckets stay in time order; live counts land in the last one, backfilled ones anywhere.
  let i = buckets.length - 1;
  while (i >= 0 && buckets[i]!.t > t) i--;
  let b = buckets[i];
  if (!b || b.t !== t) {
    b = { t, started: 0, succeeded: 0, failed: 0, byQueue: {} };
    buckets.splice(i + 1, 0, b);
    if (buckets.length > MAX_BUCKETS) buckets.shift();
  } else {
    b = { ...b, byQueue: { ...b.byQueue } };
    buckets[i] = b;
  }
  b[kind] += 1;
  const q = { ...(b.byQueue[queue] ?? { started: 0, succeeded: 0, failed: 0 }) };
  q[kind] += 1;
  b.byQueue[queue] = q;
  if (notify) update({ buckets });
  else snap = { ...snap, buckets };
}

/**
 * The recent past, so the charts do not start empty: the newest tasks (a few pages of the task
 * list) give their starts and ends of the last `BACKFILL_MS`. Keys shared with the live tally
 * keep a run from being counted twice.
 */
const BACKFILL_MS = 5 * 60_000;
const BACKFILL_PAGES = 3;

async function backfill(signal: AbortSignal): Promise<void> {
  const from = Date.now() - BACKFILL_MS;
  let cursor: string | null = null;
  let oldest = Date.now();
  let complete = false;
  for (let page = 0; page < BACKFILL_PAGES; page++) {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const res: TaskPage = await api<TaskPage>('GET', `/tasks?limit=1000${q}`, undefined, {
      signal,
    });
    for (const t of res.tasks) {
      const started = t.startedAt ? Date.parse(t.startedAt) : NaN;
      const finished = t.finishedAt ? Date.parse(t.finishedAt) : NaN;
      const k = `${t.id}:${t.attempt}`;
      if (started >= from) count('started', `${k}:started`, t.queue, started, false);
      if (finished >= from && (t.state === 'succeeded' || t.state === 'failed')) {
        count(t.state, `${k}:${t.state}`, t.queue, finished, false);
      }
      oldest = Math.min(oldest, Date.parse(t.createdAt));
    }
    cursor = res.nextCursor;
    if (!cursor || oldest < from) {
      complete = true;
      break;
    }
  }
  update({ openedAt: complete ? from : Math.max(from, oldest), backfilled: true });
}

function tally(changes: TaskChange[]): void {
  const now = Date.now();
  for (const c of changes) {
    const prev = lastSeen.get(c.id);
    const k = `${c.id}:${c.attempt}`;
    // An attempt began: the first change that shows it on a worker, or already past it (quick
    // tasks go assigned → succeeded in one report, with no `running` in between).
    if (c.attempt > 0 && ['assigned', 'running', 'succeeded', 'failed'].includes(c.state)) {
      count('started', `${k}:started`, c.queue, now);
    }
    if (c.state === 'succeeded') {
      count('succeeded', `${k}:succeeded`, c.queue, now);
    } else if (c.state === 'failed') {
      count('failed', `${k}:failed`, c.queue, now);
    } else if (
      c.state === 'pending' &&
      prev &&
      prev.attempt === c.attempt &&
      ['assigned', 'running', 'paused'].includes(prev.state)
    ) {
      // An attempt failed and the task waits for its retry.
      count('failed', `${k}:failed`, c.queue, now);
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
let firstSample: ReturnType<typeof setTimeout> | null = null;
let backfillAbort: AbortController | null = null;

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
        m.event !== 'workflows' &&
        m.event !== 'schedules'
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
  backfillAbort = new AbortController();
  backfill(backfillAbort.signal).catch(() => {
    // no history (refused or aborted): the charts fill from the stream alone
    update({ backfilled: true });
  });
  void sampleDepth();
  firstSample = setTimeout(() => void sampleDepth(), 1000);
  depthTimer = setInterval(() => void sampleDepth(), DEPTH_EVERY_MS);
}

export function stopLive(): void {
  stopStream?.();
  stopStream = null;
  if (depthTimer) clearInterval(depthTimer);
  depthTimer = null;
  if (firstSample) clearTimeout(firstSample);
  firstSample = null;
  backfillAbort?.abort();
  backfillAbort = null;
  update({ status: 'idle' });
}

/** Starts and ends per minute over the last `windowMs` (at most since the page opened). */
export function ratesOf(
  buckets: Bucket[],
  openedAt: number,
  now: number,
  windowMs = 60_000,
): { perMinute: Record<string, Counts>; spanMs: number } {
  const from = Math.max(now - windowMs, openedAt);
  const spanMs = Math.max(BUCKET_MS, now - from);
  const perMinute: Record<string, Counts> = {};
  for (const b of buckets) {
    if (b.t + BUCKET_MS <= from) continue;
    for (const [q, c] of Object.entries(b.byQueue)) {
      const r = (perMinute[q] ??= { started: 0, succeeded: 0, failed: 0 });
      r.started += c.started;
      r.succeeded += c.succeeded;
      r.failed += c.failed;
    }
  }
  const k = 60_000 / spanMs;
  for (const r of Object.values(perMinute)) {
    r.started *= k;
    r.succeeded *= k;
    r.failed *= k;
  }
  return { perMinute, spanMs };
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
