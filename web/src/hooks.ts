import { useCallback, useEffect, useRef, useState } from 'react';
import { isAbort, messageOf } from './api';

export interface Resource<T> {
  data: T | null;
  error: string | null;
  /** Fetch again (keeps showing the old data meanwhile). */
  reload: () => void;
  set: (fn: (prev: T | null) => T | null) => void;
}

/**
 * Loads `fetcher` when `key` changes, again on `reload()` and every `pollMs` if given. Answers
 * that arrive after a newer request started are dropped.
 */
export function useResource<T>(
  key: string,
  fetcher: (signal: AbortSignal) => Promise<T>,
  pollMs?: number,
): Resource<T> {
  const [state, setState] = useState<{ key: string; data: T | null; error: string | null }>({
    key,
    data: null,
    error: null,
  });
  // A new key shows nothing of the old one (adjusted while rendering, not in an effect).
  if (state.key !== key) setState({ key, data: null, error: null });
  const [tick, setTick] = useState(0);
  const fetcherRef = useRef(fetcher);
  useEffect(() => {
    fetcherRef.current = fetcher;
  });
  const seq = useRef(0);

  useEffect(() => {
    const ac = new AbortController();
    const mine = ++seq.current;
    fetcherRef.current(ac.signal).then(
      (data) => {
        if (mine === seq.current) setState({ key, data, error: null });
      },
      (err: unknown) => {
        if (isAbort(err) || mine !== seq.current) return;
        setState((s) => ({ key, data: s.key === key ? s.data : null, error: messageOf(err) }));
      },
    );
    return () => ac.abort();
  }, [key, tick]);

  useEffect(() => {
    if (!pollMs) return;
    const t = setInterval(() => setTick((n) => n + 1), pollMs);
    return () => clearInterval(t);
  }, [pollMs, key]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const set = useCallback(
    (fn: (prev: T | null) => T | null) => setState((s) => ({ ...s, data: fn(s.data) })),
    [],
  );
  const current = state.key === key ? state : { data: null, error: null };
  return { data: current.data, error: current.error, reload, set };
}

/** A clock that ticks every `ms`, for "3s ago" labels. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** Collapses bursts of calls into one, `ms` after the first. */
export function useDebounced(fn: () => void, ms: number): () => void {
  const ref = useRef(fn);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    ref.current = fn;
  });
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      ref.current();
    }, ms);
  }, [ms]);
}
