import { z } from 'zod';
import { API_ROUTES, type ApiRoute } from '../../src/protocol/api-routes.js';

/**
 * The hostile-input corpus: raw request bodies (and paths) that every write endpoint must refuse
 * with a 4xx in the error shape. Generic cases are made for every write route of the catalogue,
 * so a route added later is covered without touching this file; cases derived from each route's
 * body schema probe each of its fields; specific cases cover what only one route knows (cron
 * expressions, zones, workflow graphs, queue limits…) and apply when that route exists.
 */
export interface HostileCase {
  name: string;
  method: string;
  /** A concrete path (parameters filled in). */
  path: string;
  /** The raw body, sent as is. */
  body?: string;
  contentType?: string;
  /** When the refusal must name a field, its first segments. */
  field?: string;
  /** A status the case must get (else any 4xx). */
  status?: number;
}

export const WRITE_ROUTES = API_ROUTES.filter((r) => r.method !== 'GET');

/** Parameter values that name nothing stored (so a refusal cannot be a side effect). */
export function concretePath(route: ApiRoute): string {
  return route.path.replace(/:(\w+)/g, (_m, p: string) => (p === 'name' ? 'hostile-q' : 'none'));
}

const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

/** Bodies every write route must refuse, whatever it takes. */
const GENERIC: { name: string; body: string; contentType?: string; status?: number }[] = [
  { name: 'malformed JSON', body: '{"type": "x",' },
  { name: 'NaN literal', body: '{"type": "x", "priority": NaN}' },
  { name: 'a top-level array', body: '[]' },
  { name: 'a top-level string', body: '"text"' },
  { name: 'a top-level number', body: '42' },
  { name: 'a top-level boolean', body: 'true' },
  { name: 'a negative number', body: '-1' },
  {
    name: 'a huge body',
    body: JSON.stringify({ type: 'x', payload: 'a'.repeat(1_200_000) }),
    status: 413,
  },
  { name: 'arrays nested 100,000 deep', body: deepArray(100_000) },
  { name: 'objects nested 10,000 deep', body: deepObject(10_000) },
  { name: 'a __proto__ key', body: '{"type":"x","__proto__":{"polluted":true}}' },
  {
    name: 'a nested __proto__ key',
    body: '{"type":"x","payload":{"__proto__":{"polluted":true}}}',
  },
  {
    name: 'a constructor.prototype key',
    body: '{"type":"x","constructor":{"prototype":{"polluted":true}}}',
  },
  { name: 'a NUL byte in a string', body: '{"type":"a\\u0000b","name":"a\\u0000b"}' },
  { name: 'a NUL byte in a key', body: '{"a\\u0000b":1}' },
  { name: 'an infinite number', body: '{"type":"x","payload":{"n":1e400}}' },
  { name: 'text that is not JSON', body: 'hello', contentType: 'text/plain' },
  { name: 'JSON sent as a form', body: 'type=x', contentType: 'application/x-www-form-urlencoded' },
];

/** Valid bodies of the routes we know, to probe one field at a time. */
const VALID: Record<string, unknown> = {
  'POST /api/v1/tasks': { type: 'hostile.probe' },
  'POST /api/v1/tasks/batch': { tasks: [{ type: 'hostile.probe' }] },
  'PATCH /api/v1/queues/:name': { concurrency: 2 },
  'POST /api/v1/tokens': { name: 'hostile', role: 'viewer' },
  'POST /api/v1/schedules': { name: 'hostile', every: '1h', task: { type: 'hostile.probe' } },
  'POST /api/v1/workflows': {
    name: 'hostile',
    steps: [{ id: 'a', task: { type: 'hostile.probe' } }],
  },
};

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  minLength?: number;
  minItems?: number;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  } catch {
    return {};
  }
}

/** A value the schema likely accepts (for routes we do not know): required fields only. */
export function sampleOf(s: JsonSchema, depth = 0): unknown {
  if (depth > 8) return null;
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum[0];
  const alt = s.anyOf?.[0] ?? s.oneOf?.[0];
  if (alt) return sampleOf(alt, depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const k of s.required ?? []) out[k] = sampleOf(s.properties?.[k] ?? {}, depth + 1);
      return out;
    }
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sampleOf(s.items ?? {}, depth + 1));
    case 'string':
      return 'x'.repeat(Math.max(1, s.minLength ?? 1));
    case 'integer':
    case 'number':
      return Math.max(1, s.minimum ?? 1);
    case 'boolean':
      return true;
    default:
      return 'x';
  }
}

/** Values of the wrong type for a field, by the type its schema declares. */
function wrongTypes(s: JsonSchema): { name: string; value: unknown }[] {
  const type = Array.isArray(s.type) ? undefined : s.type;
  switch (type) {
    case 'string':
      return [
        { name: 'a number', value: 12345 },
        { name: 'an object', value: {} },
      ];
    case 'integer':
      return [
        { name: 'a string', value: '12' },
        { name: 'a fraction', value: 1.5 },
        { name: 'a huge negative number', value: -1e308 },
      ];
    case 'number':
      return [
        { name: 'a string', value: '12' },
        { name: 'a huge negative number', value: -1e308 },
      ];
    case 'boolean':
      return [{ name: 'a string', value: 'yes' }];
    case 'array':
      return [{ name: 'an object', value: { 0: 'x' } }];
    case 'object':
      return [{ name: 'an array', value: [] }];
    default:
      return [];
  }
}

const deepValue = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
};

/** One field at a time: hostile values merged into a valid body. */
function fieldCases(route: ApiRoute, key: string, path: string): HostileCase[] {
  if (!route.body) return [];
  const schema = jsonSchemaOf(route.body);
  const known = VALID[key];
  const base = (known ?? sampleOf(schema)) as Record<string, unknown>;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return [];
  const out: HostileCase[] = [];
  for (const [prop, propSchema] of Object.entries(schema.properties ?? {})) {
    const probes: { name: string; value: unknown; field?: string }[] = [
      { name: 'a NUL byte', value: 'a\u0000b' },
      { name: 'nesting 200 deep', value: deepValue(200) },
      ...wrongTypes(propSchema),
    ];
    for (const p of probes) {
      out.push({
        name: `${prop}: ${p.name}`,
        method: route.method,
        path,
        body: JSON.stringify({ ...base, [prop]: p.value }),
        // Only with a body we know is valid can the refusal be pinned on this field.
        field: known === undefined ? undefined : prop,
      });
    }
  }
  return out;
}

const task = { type: 'hostile.probe' };

/** What only one route knows. Keys are catalogue routes; cases apply when the route exists. */
const SPECIFIC: Record<string, { name: string; body: unknown; field?: string; status?: number }[]> =
  {
    'POST /api/v1/tasks': [
      { name: 'a fractional priority', body: { ...task, priority: 1.5 }, field: 'priority' },
      { name: 'zero attempts', body: { ...task, maxAttempts: 0 }, field: 'maxAttempts' },
      { name: 'negative attempts', body: { ...task, maxAttempts: -1 }, field: 'maxAttempts' },
      { name: 'a negative delay', body: { ...task, delayMs: -5 }, field: 'delayMs' },
      { name: 'a zero timeout', body: { ...task, timeoutMs: 0 }, field: 'timeoutMs' },
      { name: 'a time that is not ISO', body: { ...task, runAt: 'yesterday' }, field: 'runAt' },
      {
        name: 'both runAt and delayMs',
        body: { ...task, runAt: '2030-01-01T00:00:00Z', delayMs: 5 },
        field: 'delayMs',
      },
      { name: 'a type with spaces', body: { type: 'rm -rf /' }, field: 'type' },
      { name: 'an empty type', body: { type: '' }, field: 'type' },
      { name: 'an unknown field', body: { ...task, admin: true }, field: 'admin' },
      {
        name: 'a process with no command',
        body: { ...task, executor: { kind: 'process', command: [] } },
        field: 'executor',
      },
      {
        name: 'an unknown executor',
        body: { ...task, executor: { kind: 'shell' } },
        field: 'executor',
      },
      {
        name: 'an http task to a file URL',
        body: { ...task, executor: { kind: 'http', url: 'file:///etc/passwd' } },
        field: 'executor',
      },
      { name: 'jitter above 1', body: { ...task, backoff: { jitter: 2 } }, field: 'backoff' },
      {
        name: 'a label that is not a string',
        body: { ...task, labels: { k: 5 } },
        field: 'labels',
      },
      { name: 'negative cpu', body: { ...task, resources: { cpu: -1 } }, field: 'resources' },
      {
        name: 'a payload past the limit',
        body: { ...task, payload: 'a'.repeat(300 * 1024) },
        field: 'payload',
        status: 413,
      },
    ],
    'POST /api/v1/tasks/batch': [
      { name: 'no tasks', body: { tasks: [] }, field: 'tasks' },
      {
        name: '1001 tasks',
        body: { tasks: Array.from({ length: 1001 }, () => task) },
        field: 'tasks',
      },
      {
        name: 'one bad task among good ones',
        body: { tasks: [task, { type: '' }] },
        field: 'tasks.1.type',
      },
      { name: 'tasks that are not a list', body: { tasks: 'x' }, field: 'tasks' },
    ],
    'PATCH /api/v1/queues/:name': [
      { name: 'a negative concurrency', body: { concurrency: -1 }, field: 'concurrency' },
      { name: 'a zero concurrency', body: { concurrency: 0 }, field: 'concurrency' },
      {
        name: 'a rate of zero',
        body: { rateLimit: { count: 0, intervalMs: 1000 } },
        field: 'rateLimit',
      },
      {
        name: 'a negative interval',
        body: { rateLimit: { count: 1, intervalMs: -1 } },
        field: 'rateLimit',
      },
      { name: 'an unknown strategy', body: { strategy: 'fastest' }, field: 'strategy' },
      {
        name: 'a negative default timeout',
        body: { defaults: { timeoutMs: -1 } },
        field: 'defaults',
      },
      { name: 'an unknown field', body: { paused: 'yes' }, field: 'paused' },
    ],
    'POST /api/v1/tokens': [
      { name: 'an unknown role', body: { name: 'x', role: 'root' }, field: 'role' },
      { name: 'a reserved name', body: { name: 'admin', role: 'viewer' }, field: 'name' },
      { name: 'a name with spaces', body: { name: 'a b', role: 'viewer' }, field: 'name' },
      { name: 'no name', body: { role: 'viewer' }, field: 'name' },
      { name: 'no role', body: { name: 'x' }, field: 'role' },
    ],
    'POST /api/v1/schedules': [
      { name: 'a cron that is not one', body: { name: 'h1', cron: 'not a cron', task } },
      { name: 'a cron minute of 99', body: { name: 'h2', cron: '99 * * * *', task } },
      {
        name: 'an unknown time zone',
        body: { name: 'h3', cron: '* * * * *', timezone: 'Mars/Olympus', task },
      },
      { name: 'a negative interval', body: { name: 'h4', every: '-5s', task } },
      { name: 'no cron, interval or time', body: { name: 'h5', task } },
      { name: 'a bad task', body: { name: 'h6', every: '1m', task: { type: '' } } },
    ],
    'POST /api/v1/workflows': [
      {
        name: 'a cycle',
        body: {
          name: 'w',
          steps: [
            { id: 'a', dependsOn: ['b'], task },
            { id: 'b', dependsOn: ['a'], task },
          ],
        },
      },
      {
        name: 'a step that needs itself',
        body: { name: 'w', steps: [{ id: 'a', dependsOn: ['a'], task }] },
      },
      {
        name: 'an unknown parent',
        body: { name: 'w', steps: [{ id: 'a', dependsOn: ['zz'], task }] },
      },
      {
        name: 'two steps with one id',
        body: {
          name: 'w',
          steps: [
            { id: 'a', task },
            { id: 'a', task },
          ],
        },
      },
      { name: 'no steps', body: { name: 'w', steps: [] } },
    ],
  };

/** Path parameters no route may take. */
const BAD_PARAMS = [
  { name: 'a NUL byte', value: 'a%00b' },
  { name: '300 characters', value: 'a'.repeat(300) },
];

/** The whole HTTP corpus for the routes the catalogue has now. */
export function httpCorpus(): HostileCase[] {
  const out: HostileCase[] = [];
  for (const route of WRITE_ROUTES) {
    const key = `${route.method} ${route.path}`;
    const path = concretePath(route);
    for (const g of GENERIC) {
      out.push({
        name: g.name,
        method: route.method,
        path,
        body: g.body,
        contentType: g.contentType,
        status: g.status,
      });
    }
    out.push(...fieldCases(route, key, path));
    for (const s of SPECIFIC[key] ?? []) {
      out.push({
        name: s.name,
        method: route.method,
        path,
        body: JSON.stringify(s.body),
        field: s.field,
        status: s.status,
      });
    }
    if (route.params) {
      for (const p of BAD_PARAMS) {
        const bad = route.path.replace(/:(\w+)/, p.value).replace(/:(\w+)/g, 'none');
        out.push({
          name: `a parameter with ${p.name}`,
          method: route.method,
          path: bad,
          body: VALID[key] === undefined ? undefined : JSON.stringify(VALID[key]),
        });
      }
    }
  }
  return out;
}

/** Specific cases whose route is not served (yet): listed so none is forgotten silently. */
export function casesForAbsentRoutes(): string[] {
  const served = new Set(API_ROUTES.map((r) => `${r.method} ${r.path}`));
  return Object.keys(SPECIFIC).filter((k) => !served.has(k));
}
