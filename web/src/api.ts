import { useSyncExternalStore } from 'react';

/** An API answer other than 2xx, in the API's error shape. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

const TOKEN_KEY = 'chronoq.token';

interface AuthState {
  token: string | null;
  /** The server answered 401: show the login screen. */
  needed: boolean;
}

let auth: AuthState = { token: readToken(), needed: false };
const authListeners = new Set<() => void>();

function readToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function setAuth(next: AuthState): void {
  auth = next;
  for (const fn of authListeners) fn();
}

export function useAuth(): AuthState {
  return useSyncExternalStore(
    (fn) => (authListeners.add(fn), () => authListeners.delete(fn)),
    () => auth,
  );
}

export function login(token: string): void {
  try {
    localStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage refused (private mode): the token lives for this page only
  }
  setAuth({ token, needed: false });
}

export function logout(): void {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing stored
  }
  setAuth({ token: null, needed: true });
}

/** Every API call funnels its 401s here. */
export function authRequired(): void {
  if (!auth.needed) setAuth({ ...auth, needed: true });
}

export function authHeaders(token: string | null = auth.token): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

export const API = '/api/v1';

/** Reads an error answer into an ApiError (the body is `{error: {code, message, field}}`). */
export async function errorOf(res: Response): Promise<ApiError> {
  type Body = { error?: { code?: string; message?: string; field?: string } } | null;
  const body = (await res.json().catch(() => null)) as Body; // null when not JSON
  const e = body?.error;
  return new ApiError(
    res.status,
    e?.code ?? `http_${res.status}`,
    e?.message ?? (res.statusText || `HTTP ${res.status}`),
    e?.field,
  );
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Use this token instead of the stored one (the login screen checks a token). */
  token?: string | null;
  /** Do not raise the login screen on 401. */
  quiet401?: boolean;
}

/** One JSON call to `/api/v1`. Throws ApiError on any non-2xx answer. */
export async function api<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  opts: CallOptions = {},
): Promise<T> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...authHeaders(opts.token === undefined ? auth.token : opts.token),
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: opts.signal,
  });
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && !opts.quiet401) authRequired();
    throw err;
  }
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

/** Builds a query string, leaving out empty values. */
export function qs(params: Record<string, string | number | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}
