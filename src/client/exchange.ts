import type { Agent, IncomingMessage, RequestOptions } from 'node:http';
import type { FetchLike } from './http.js';

/** One request as the transport sends it. */
export interface ExchangeRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** A request and its whole answer, as text. Rejects only when there is no answer. */
export type Exchange = (
  url: string,
  req: ExchangeRequest,
) => Promise<{ status: number; text: string }>;

/** An exchange over a `fetch`. */
export function fetchExchange(fetchFn: FetchLike): Exchange {
  return async (url, req) => {
    const res = await fetchFn(url, req);
    return { status: res.status, text: await res.text() };
  };
}

interface NodeHttp {
  request(
    url: string,
    options: RequestOptions,
    cb: (res: IncomingMessage) => void,
  ): {
    on(event: 'error', cb: (err: Error) => void): void;
    reusedSocket: boolean;
    end(body?: string): void;
  };
  Agent: new (options: { keepAlive: boolean; timeout: number }) => Agent;
}

/** How long an idle kept-alive connection stays open (below the server's keep-alive timeout). */
const IDLE_MS = 4_000;

/**
 * On Node: node:http(s) over kept-alive connections, a fraction of the CPU `fetch` costs per call
 * (there, the client rather than the server bounded a busy caller's submit rate). The modules
 * load on first use, so that nothing Node-only is imported elsewhere. Null outside Node.
 */
export function nodeExchange(): Exchange | null {
  if (typeof process === 'undefined' || !process.versions?.node) return null;
  const loaded = new Map<string, Promise<{ mod: NodeHttp; agent: Agent }>>();
  const load = (protocol: string) => {
    let l = loaded.get(protocol);
    if (!l) {
      const name = protocol === 'https:' ? 'node:https' : 'node:http';
      l = (import(name) as Promise<NodeHttp>).then((mod) => ({
        mod,
        agent: new mod.Agent({ keepAlive: true, timeout: IDLE_MS }),
      }));
      loaded.set(protocol, l);
    }
    return l;
  };
  const once = async (url: string, req: ExchangeRequest) => {
    const { mod, agent } = await load(new URL(url).protocol);
    const headers = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    return new Promise<{ status: number; text: string; reused?: boolean }>((resolve, reject) => {
      const r = mod.request(
        url,
        { method: req.method, headers, agent, signal: req.signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      r.on('error', (err) => {
        (err as Error & { reused?: boolean }).reused = r.reusedSocket;
        reject(err);
      });
      r.end(req.body);
    });
  };
  return async (url, req) => {
    try {
      return await once(url, req);
    } catch (err) {
      // A kept-alive connection the server closed while it was idle, as the request went out:
      // sent again once on a new connection (the case Node documents for `reusedSocket`).
      const e = err as Error & { code?: string; reused?: boolean };
      if (e.reused && e.code === 'ECONNRESET' && !req.signal?.aborted) return once(url, req);
      throw err;
    }
  };
}
