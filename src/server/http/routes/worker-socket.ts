import type { FastifyInstance } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { workerToServerSchema } from '../../../protocol/worker-messages.js';
import type { ApiContext } from '../context.js';

/** Largest message a worker may send (a batch of reports and log lines). */
export const WORKER_MESSAGE_LIMIT = 4 * 1024 * 1024;

/**
 * `GET /api/v1/workers/connect`: one worker session per WebSocket. Every message is JSON,
 * validated against the protocol schema; a malformed one ends the session with code 1008.
 */
export function workerSocketRoute(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/v1/workers/connect', { websocket: true }, (socket: WebSocket) => {
    const gateway = ctx.gateway;
    if (!gateway) {
      socket.close(1013, 'server starting');
      return;
    }
    const session = gateway.accept({
      onMessage: (message) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      },
      onClose: (reason) => socket.close(1000, reason.slice(0, 120)),
    });
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const refuse = (why: string) => {
        socket.send(JSON.stringify({ type: 'error', code: 'invalid', message: why }));
        socket.close(1008, why.slice(0, 120));
      };
      if (isBinary) return refuse('messages must be JSON text');
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        return refuse('malformed JSON');
      }
      const result = workerToServerSchema.safeParse(parsed);
      if (!result.success) {
        const issue = result.error.issues[0];
        return refuse(`invalid message: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`);
      }
      session.receive(result.data);
    });
    socket.on('close', () => session.close('socket closed'));
    socket.on('error', () => session.close('socket error'));
  });
}
