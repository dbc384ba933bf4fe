import { useState, type FormEvent } from 'react';
import { api, ApiError, login, messageOf } from '../api';

/** Shown when the API answers 401: asks for a token, checks it, keeps it in localStorage. */
export function Login() {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const t = token.trim();
    if (!t) return;
    setBusy(true);
    setError(null);
    try {
      await api('GET', '/cluster', undefined, { token: t, quiet401: true });
      login(t);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'The server refused this token.'
          : messageOf(err),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="login">
      <form className="login-box" onSubmit={(e) => void submit(e)} data-testid="login">
        <div className="brand dark">
          <span className="logo">◷</span> Chronoq
        </div>
        <h1>Sign in</h1>
        <p className="muted">This server needs an API token. It is kept in this browser only.</p>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="current-password"
          autoFocus
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="paste a token"
        />
        {error ? (
          <p className="error-text" role="alert">
            {error}
          </p>
        ) : null}
        <button className="btn primary" type="submit" disabled={busy || !token.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
