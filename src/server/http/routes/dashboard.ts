import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ChronoqError } from '../../../protocol/errors.js';

/** Where `vite build` puts the dashboard: `web/dist` at the package root (from src/ or dist/). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite names everything under assets/ by content hash: safe to cache for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
    "connect-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
};

/** A GET the dashboard may answer: anything outside the API (the SPA owns those paths). */
export function isDashboardRequest(req: FastifyRequest): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = req.url.split('?')[0]!;
  return path !== '/api' && !path.startsWith('/api/');
}

export interface Dashboard {
  /** The not-found fallback for dashboard paths: a built file, or index.html for client routes. */
  fallback(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
}

/**
 * Serves the built single-page app: `GET /` (catalogued, public: the page asks for the token
 * itself), its static files, and index.html for every other non-API path so client routes such
 * as `/tasks/ID` survive a reload. Without a build, it answers a 404 in the API's error shape.
 */
export function dashboardRoutes(app: FastifyInstance, dir: string = DASHBOARD_DIR): Dashboard {
  const root = resolve(dir);

  const notBuilt = () =>
    new ChronoqError(
      'not_found',
      'the dashboard is not built (web/dist/index.html is missing): run `npm run build`',
    );

  const sendIndex = async (reply: FastifyReply): Promise<FastifyReply> => {
    const html = await readIfFile(resolve(root, 'index.html'));
    if (!html) throw notBuilt();
    return reply
      .headers({
        ...SECURITY_HEADERS,
        'content-type': TYPES['.html']!,
        'cache-control': 'no-cache',
      })
      .send(html);
  };

  app.get('/', async (_req, reply) => sendIndex(reply));

  return {
    async fallback(req, reply) {
      let path: string;
      try {
        path = decodeURIComponent(req.url.split('?')[0]!);
      } catch {
        throw new ChronoqError('invalid', 'malformed path');
      }
      const file = resolve(root, `.${path}`);
      const inside = file.startsWith(root + sep);
      const body = inside && !path.includes('\0') ? await readIfFile(file) : null;
      if (body) {
        const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
        const hashed = path.startsWith('/assets/');
        return reply
          .headers({
            'content-type': type,
            'cache-control': hashed ? IMMUTABLE : 'no-cache',
            'x-content-type-options': 'nosniff',
          })
          .send(body);
      }
      // A missing file (it has an extension) is a 404; any other path is a client route.
      if (extname(path) !== '') {
        throw new ChronoqError('not_found', `no file ${path}`);
      }
      return sendIndex(reply);
    },
  };
}

async function readIfFile(path: string): Promise<Buffer | null> {
  try {
    if (!(await stat(path)).isFile()) return null;
    return await readFile(path);
  } catch {
    return null;
  }
}
