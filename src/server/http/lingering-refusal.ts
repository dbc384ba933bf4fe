import type { FastifyInstance } from 'fastify';

/** A refused body up to this size is read and dropped; a larger one closes the connection. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * A body refused for its size before it was read is answered with a 413 and then read and
 * dropped (Node discards what a request did not consume), instead of the connection being closed
 * under a client that is still sending: such a client would see a broken pipe, never the 413.
 * Only when the body's length is declared and bounded; otherwise the connection is closed.
 */
export function installLingeringRefusal(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply) => {
    if (reply.statusCode !== 413) return;
    const length = Number(req.headers['content-length']);
    if (!Number.isSafeInteger(length) || length > DRAIN_LIMIT_BYTES) return;
    if (req.headers['transfer-encoding'] !== undefined) return;
    reply.removeHeader('connection');
  });
}
