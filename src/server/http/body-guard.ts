import type { FastifyInstance } from 'fastify';
import { ChronoqError } from '../../protocol/errors.js';
import { routeOf } from './auth.js';

/**
 * Routes whose catalogue entry declares no body take none: a body sent anyway (anything but
 * nothing, `null` or `{}`) is a 400, so no input reaches a handler unchecked.
 */
export function installBodyGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    const route = routeOf(req);
    if (!route || route.body !== undefined) return;
    const body: unknown = req.body;
    if (body === undefined || body === null) return;
    if (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) return;
    throw new ChronoqError('invalid', `body: ${route.method} ${route.path} takes no body`, 'body');
  });
}
