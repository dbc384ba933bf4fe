import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, type ApiRoute } from '../../src/protocol/api-routes.js';
import { ROLES, roleSatisfies, rolesBelow, type Role } from '../../src/protocol/auth.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { tempDir } from '../helpers/temp.js';

/**
 * The auth matrix: every route of the catalogue (so routes added later are covered without
 * touching this file), called over a real socket with no token, a wrong token, each role too
 * weak for it (401, 401, 403, all in the error shape), and the roles strong enough (auth passes:
 * whatever the route then answers, it is not 401 or 403).
 */
const tmp = tempDir();
let server: RunningServer;
const secrets = new Map<Role, string>();
const BOOT = 'bootstrap-secret';

beforeAll(async () => {
  server = await startServer({
    db: `sqlite:${tmp.dir}/matrix.db`,
    port: 0,
    logLevel: 'silent',
    worker: false,
    adminToken: BOOT,
    limits: { rateLimit: null },
  });
  for (const role of ROLES) {
    const res = await fetch(`${server.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOOT}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `matrix-${role}`, role }),
    });
    expect(res.status).toBe(201);
    secrets.set(role, ((await res.json()) as { token: string }).token);
  }
});

afterAll(async () => {
  await server?.shutdown({ graceMs: 0 });
  tmp.cleanup();
});

/** A concrete URL for a route: parameters get values that name nothing stored. */
function urlOf(route: ApiRoute): string {
  return route.path.replace(/:(\w+)/g, (_m, p: string) => (p === 'name' ? 'matrix-q' : 'nothing'));
}

const isSocket = (r: ApiRoute) => r.path === '/api/v1/workers/connect';

/** The status a route answers a token with (the socket: its upgrade answer, or 101). */
async function statusFor(
  route: ApiRoute,
  auth: string | null,
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = auth === null ? {} : { authorization: auth };
  if (isSocket(route)) return upgrade(urlOf(route), headers);
  const ac = new AbortController();
  const res = await fetch(server.url + urlOf(route), {
    method: route.method,
    headers,
    signal: ac.signal,
  });
  let body: unknown = null;
  if (route.stream && res.status < 300)
    ac.abort(); // a stream that passed auth: enough said
  else body = await res.json().catch(() => null);
  return { status: res.status, body };
}

function upgrade(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.url.replace('http', 'ws') + path, { headers });
    ws.on('open', () => {
      ws.terminate();
      resolve({ status: 101, body: null });
    });
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (b: Buffer) => (text += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    ws.on('error', reject);
  });
}

const guarded = API_ROUTES.filter((r) => r.role !== 'public');

describe('the auth matrix', () => {
  it('covers routes of every role', () => {
    expect(new Set(guarded.map((r) => r.role))).toEqual(
      new Set(['viewer', 'submitter', 'operator', 'admin', 'worker']),
    );
  });

  describe.each(guarded.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', (_name, route) => {
    it('refuses no token and a wrong token with 401', async () => {
      for (const auth of [
        null,
        'Bearer wrong-secret',
        'Basic Zm9vOmJhcg==',
        `Bearer ${'x'.repeat(600)}`,
      ]) {
        const { status, body } = await statusFor(route, auth);
        expect(status, String(auth)).toBe(401);
        expect(body.error.code).toBe('unauthorized');
      }
    });

    it('refuses each role too weak for it with 403', async () => {
      const weak = rolesBelow(route.role);
      for (const role of weak) {
        const { status, body } = await statusFor(route, `Bearer ${secrets.get(role)}`);
        expect(status, role).toBe(403);
        expect(body.error).toMatchObject({ code: 'forbidden' });
        expect(body.error.message).toContain(route.role);
      }
    });

    it('lets each role strong enough past auth', async () => {
      const strong = ROLES.filter((r) => roleSatisfies(r, route.role));
      expect(strong).toContain(route.role);
      for (const role of strong) {
        const { status } = await statusFor(route, `Bearer ${secrets.get(role)}`);
        expect([401, 403, 429], role).not.toContain(status);
        expect(status, role).toBeLessThan(500);
      }
      const boot = await statusFor(route, `Bearer ${BOOT}`);
      expect([401, 403]).not.toContain(boot.status);
    });
  });

  it('serves the public routes without a token', async () => {
    for (const r of API_ROUTES.filter((x) => x.role === 'public')) {
      expect((await fetch(server.url + urlOf(r))).status, r.path).toBeLessThan(400);
    }
  });

  it('keeps unknown API paths closed to anonymous probes', async () => {
    const res = await fetch(`${server.url}/api/v1/no-such-route`);
    expect(res.status).toBe(401);
  });

  it('stops accepting a token once it is revoked', async () => {
    const admin = { authorization: `Bearer ${BOOT}`, 'content-type': 'application/json' };
    const created = await fetch(`${server.url}/api/v1/tokens`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'short-lived', role: 'viewer' }),
    }).then((r) => r.json() as Promise<{ id: string; token: string }>);
    const as = { authorization: `Bearer ${created.token}` };
    expect((await fetch(`${server.url}/api/v1/tasks`, { headers: as })).status).toBe(200);
    const del = await fetch(`${server.url}/api/v1/tokens/${created.id}`, {
      method: 'DELETE',
      headers: { authorization: admin.authorization },
    });
    expect(del.status).toBe(200);
    expect((await fetch(`${server.url}/api/v1/tasks`, { headers: as })).status).toBe(401);
  });
});
