import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { findInputIssue } from '../../../protocol/input-guards.js';
import { workerToServerSchema } from '../../../protocol/worker-messages.js';
import type { ApiContext } from '../context.js';

/**
 * `GET /api/v1/workers/connect`: one worker session per WebSocket. Every message is JSON,
 * validated against the protocol schema; a malformed one ends the session with code 1008, one
 * larger than the limit (`limits.workerMessageBytes`) with code 1009.
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
      onClose: (reason) => socket.close(1000, closeReason(reason)),
    });
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const refuse = (why: string) => {
        socket.send(JSON.stringify({ type: 'error', code: 'invalid', message: why }));
        socket.close(1008, closeReason(why));
      };
      if (isBinary) return refuse('messages must be JSON text');
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        return refuse('malformed JSON');
      }
      const guard = findInputIssue(parsed);
      if (guard) return refuse(`invalid message: ${guard.message}`);
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

/** A close reason fits in 123 bytes of UTF-8; cut longer ones on a character boundary. */
function closeReason(text: string): string {
  let out = text.slice(0, 120);
  while (Buffer.byteLength(out, 'utf8') > 123) out = out.slice(0, -1);
  return out;
}

/**
 * Errors on an open worker socket. A client breaking the protocol (a message past the size
 * limit, a bad frame) is the client's fault: `ws` already closes the socket with the right code
 * (1009, 1002…), so it is only noted. Anything else is ours: logged, and the socket ended.
 */
export function workerSocketError(error: Error, socket: WebSocket, request: FastifyRequest): void {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('WS_ERR_')) {
    request.log.warn({ code, reason: error.message }, 'worker socket closed: protocol error');
    return;
  }
  request.log.error({ err: error }, 'worker socket failed');
  socket.terminate();
}
