import WebSocket from 'ws';
import type { ServerToWorker } from '../protocol/worker-messages.js';
import {
  ConnectionRefusedError,
  type ConnectionHandlers,
  type WorkerConnection,
  type WorkerTransport,
} from './transport.js';

export interface WebSocketTransportOptions {
  /**
   * The server's base URL, e.g. `http://127.0.0.1:7070`, or several replicas' URLs: each
   * (re)connect tries the next one, so a worker outlives the replica it was connected to.
   */
  url: string | string[];
  token?: string;
  /** How often to ping the server; a missing pong for two periods ends the session. */
  pingMs?: number;
  /** Longest wait for the connection to open. */
  connectTimeoutMs?: number;
}

/** The worker session over a WebSocket at `/api/v1/workers/connect`. */
export class WebSocketTransport implements WorkerTransport {
  private readonly endpoints: string[];
  private next = 0;

  constructor(private readonly opts: WebSocketTransportOptions) {
    const urls = [opts.url].flat();
    if (urls.length === 0) throw new TypeError('WebSocketTransport needs at least one URL');
    this.endpoints = urls.map((u) => {
      const base = new URL(u);
      base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
      base.pathname = `${base.pathname.replace(/\/$/, '')}/api/v1/workers/connect`;
      return base.toString();
    });
  }

  connect(handlers: ConnectionHandlers): Promise<WorkerConnection> {
    const endpoint = this.endpoints[this.next++ % this.endpoints.length]!;
    return this.open(endpoint, handlers);
  }

  private open(endpoint: string, handlers: ConnectionHandlers): Promise<WorkerConnection> {
    const headers: Record<string, string> = {};
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    const ws = new WebSocket(endpoint, {
      headers,
      handshakeTimeout: this.opts.connectTimeoutMs ?? 10_000,
      maxPayload: 64 * 1024 * 1024,
    });
    return new Promise((resolve, reject) => {
      let open = false;
      let closed = false;
      let timer: NodeJS.Timeout | null = null;
      let awaitingPong = 0;
      const end = (reason: string) => {
        if (closed) return;
        closed = true;
        if (timer) clearInterval(timer);
        if (open) handlers.onClose(reason);
        else reject(new Error(`cannot reach ${endpoint}: ${reason}`));
      };
      ws.on('open', () => {
        open = true;
        const pingMs = this.opts.pingMs ?? 5_000;
        timer = setInterval(() => {
          if (awaitingPong >= 2) {
            ws.terminate();
            end('server stopped answering pings');
            return;
          }
          awaitingPong++;
          ws.ping();
        }, pingMs);
        timer.unref();
        resolve({
          send: (message) => {
            if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
          },
          close: () => {
            if (timer) clearInterval(timer);
            ws.close(1000, 'worker closing');
          },
        });
      });
      ws.on('pong', () => (awaitingPong = 0));
      ws.on('message', (data) => {
        let message: ServerToWorker;
        try {
          message = JSON.parse(data.toString()) as ServerToWorker;
        } catch {
          return;
        }
        handlers.onMessage(message);
      });
      ws.on('unexpected-response', (req, res) => {
        const status = res.statusCode ?? 0;
        if (status !== 401 && status !== 403) {
          end(`server answered ${status}`);
          req.destroy();
          return;
        }
        // Credentials refused: say why (the API's error message), and give up for good.
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk.slice(0, 2000)));
        res.on('end', () => {
          req.destroy();
          if (closed) return;
          closed = true;
          let why = `server answered ${status}`;
          try {
            why = (JSON.parse(text) as { error: { message: string } }).error.message;
          } catch {
            // not the error shape: keep the status
          }
          reject(new ConnectionRefusedError(status, `${endpoint}: ${why}`));
        });
      });
      ws.on('close', (code, reason) => end(reason.toString() || `closed (${code})`));
      ws.on('error', (err) => end(err.message));
    });
  }
}
