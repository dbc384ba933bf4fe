import { describe, expect, it } from 'vitest';
import { ChronoqError } from './errors.js';
import { taskListQuerySchema } from './queries.js';
import { MAX_BATCH, nameSchema, taskBatchSchema, taskSpecSchema } from './task-spec.js';
import { parseInput } from './validate.js';

/** The error parseInput throws for `value`, or a failure if it does not throw. */
function rejection(schema: Parameters<typeof parseInput>[0], value: unknown, prefix?: string) {
  try {
    parseInput(schema, value, prefix);
  } catch (e) {
    expect(e).toBeInstanceOf(ChronoqError);
    const err = e as ChronoqError;
    expect(err.code).toBe('invalid');
    expect(err.status).toBe(400);
    return { field: err.field, message: err.message };
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

const fieldOf = (value: unknown) => rejection(taskSpecSchema, value).field;

describe('taskSpecSchema: accepts', () => {
  it('a minimal spec, adding nothing', () => {
    expect(parseInput(taskSpecSchema, { type: 'email.send' })).toEqual({ type: 'email.send' });
  });

  it('a full spec, unchanged', () => {
    const spec = {
      type: 'report.build',
      queue: 'reports',
      payload: { user: 42, tags: ['a'], nested: { x: null } },
      priority: -5,
      runAt: '2030-01-02T03:04:05.678+02:00',
      maxAttempts: 7,
      backoff: { kind: 'fixed', initialMs: 500, maxMs: 10_000, jitter: 0.3 },
      timeoutMs: 30_000,
      idempotencyKey: 'order-1 (retry)',
      concurrencyKey: 'acct:9',
      executor: {
        kind: 'process',
        command: ['node', 'job.js', '--x'],
        env: { A: '1' },
        cwd: '/srv',
      },
      selector: { zone: 'eu' },
      tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
      resources: { cpu: 0.5, memoryMb: 256 },
      labels: { team: 'billing' },
    };
    expect(parseInput(taskSpecSchema, spec)).toEqual(spec);
  });

  it('an http executor, defaulting the method to POST', () => {
    expect(
      parseInput(taskSpecSchema, {
        type: 'hook',
        delayMs: 0,
        executor: { kind: 'http', url: 'https://example.com:8443/hook?a=1' },
      }),
    ).toEqual({
      type: 'hook',
      delayMs: 0,
      executor: { kind: 'http', url: 'https://example.com:8443/hook?a=1', method: 'POST' },
    });
    expect(
      parseInput(taskSpecSchema, {
        type: 'hook',
        executor: {
          kind: 'http',
          url: 'http://localhost/x',
          method: 'PUT',
          headers: { 'X-A': 'b' },
        },
      }).executor,
    ).toEqual({ kind: 'http', url: 'http://localhost/x', method: 'PUT', headers: { 'X-A': 'b' } });
  });

  it('names with every allowed punctuation, up to 200 characters', () => {
    for (const type of ['a', 'A_b.c:d@e/f+g-h', '0', 'x'.repeat(200)]) {
      expect(taskSpecSchema.safeParse({ type }).success).toBe(true);
    }
    expect(taskSpecSchema.safeParse({ type: 'a', runAt: '2030-01-01T00:00:00Z' }).success).toBe(
      true,
    );
    expect(taskSpecSchema.safeParse({ type: 'a', payload: null }).success).toBe(true);
  });
});

describe('taskSpecSchema: rejects with the field named', () => {
  it('a missing or empty type', () => {
    expect(rejection(taskSpecSchema, {})).toEqual({
      field: 'type',
      message: 'type: Invalid input: expected string, received undefined',
    });
    expect(fieldOf({ type: '' })).toBe('type');
    expect(rejection(taskSpecSchema, { type: '' }).message).toBe('type: must not be empty');
  });

  it('an unknown field, naming the key', () => {
    expect(rejection(taskSpecSchema, { type: 'a', retries: 3 })).toEqual({
      field: 'retries',
      message: 'unknown field retries',
    });
    expect(fieldOf({ type: 'a', backoff: { kind: 'fixed', factor: 2 } })).toBe('backoff.factor');
    expect(fieldOf({ type: 'a', executor: { kind: 'function', command: ['x'] } })).toBe(
      'executor.command',
    );
    expect(fieldOf({ type: 'a', resources: { gpu: 1 } })).toBe('resources.gpu');
    expect(fieldOf({ type: 'a', tolerations: [{ key: 'k', values: ['x'] }] })).toBe(
      'tolerations.0.values',
    );
  });

  it('a prefix goes in front of the field', () => {
    expect(rejection(taskSpecSchema, { type: 'a', nope: 1 }, 'task')).toEqual({
      field: 'task.nope',
      message: 'unknown field task.nope',
    });
    expect(rejection(taskSpecSchema, {}, 'task').field).toBe('task.type');
  });

  it('a value that is not an object', () => {
    for (const v of [null, 'email.send', 42, []]) {
      const r = rejection(taskSpecSchema, v);
      expect(r.field).toBeUndefined();
    }
  });

  it('wrong types', () => {
    expect(fieldOf({ type: 5 })).toBe('type');
    expect(fieldOf({ type: 'a', queue: 5 })).toBe('queue');
    expect(fieldOf({ type: 'a', priority: '1' })).toBe('priority');
    expect(fieldOf({ type: 'a', labels: ['x'] })).toBe('labels');
    expect(fieldOf({ type: 'a', labels: { team: 5 } })).toBe('labels.team');
    expect(fieldOf({ type: 'a', selector: { zone: true } })).toBe('selector.zone');
    expect(fieldOf({ type: 'a', tolerations: {} })).toBe('tolerations');
    expect(fieldOf({ type: 'a', idempotencyKey: 12 })).toBe('idempotencyKey');
    expect(fieldOf({ type: 'a', idempotencyKey: '' })).toBe('idempotencyKey');
    expect(fieldOf({ type: 'a', concurrencyKey: 'k'.repeat(401) })).toBe('concurrencyKey');
  });

  it('names with spaces or other characters, or too long', () => {
    for (const type of ['email send', ' email', 'email\n', 'émail', 'a;b', 'x'.repeat(201)]) {
      expect(fieldOf({ type })).toBe('type');
    }
    expect(rejection(taskSpecSchema, { type: 'email send' }).message).toBe(
      'type: may hold letters, digits and _ . : @ / + - only',
    );
    expect(fieldOf({ type: 'a', queue: 'my queue' })).toBe('queue');
    expect(nameSchema.safeParse('ok.name').success).toBe(true);
  });

  it('negative, NaN, infinite or fractional numbers where integers are needed', () => {
    const cases: [string, unknown][] = [
      ['priority', 1.5],
      ['priority', Number.NaN],
      ['priority', Number.POSITIVE_INFINITY],
      ['priority', 1_000_001],
      ['priority', -1_000_001],
      ['delayMs', -1],
      ['delayMs', 0.5],
      ['delayMs', Number.NaN],
      ['maxAttempts', 0],
      ['maxAttempts', 1001],
      ['maxAttempts', 2.5],
      ['timeoutMs', 0],
      ['timeoutMs', -100],
      ['timeoutMs', 1.1],
    ];
    for (const [field, value] of cases) {
      expect(fieldOf({ type: 'a', [field]: value }), `${field}=${value}`).toBe(field);
    }
    expect(fieldOf({ type: 'a', backoff: { initialMs: -1 } })).toBe('backoff.initialMs');
    expect(fieldOf({ type: 'a', backoff: { maxMs: 1.5 } })).toBe('backoff.maxMs');
    expect(fieldOf({ type: 'a', backoff: { jitter: 1.5 } })).toBe('backoff.jitter');
    expect(fieldOf({ type: 'a', backoff: { jitter: -0.1 } })).toBe('backoff.jitter');
    expect(fieldOf({ type: 'a', backoff: { kind: 'linear' } })).toBe('backoff.kind');
    expect(fieldOf({ type: 'a', resources: { cpu: -1 } })).toBe('resources.cpu');
    expect(fieldOf({ type: 'a', resources: { memoryMb: 1.5 } })).toBe('resources.memoryMb');
  });

  it('the edges of the ranges are accepted', () => {
    for (const spec of [
      { priority: 1_000_000 },
      { priority: -1_000_000 },
      { delayMs: 0 },
      { maxAttempts: 1 },
      { maxAttempts: 1000 },
      { timeoutMs: 1 },
      { backoff: { jitter: 0 } },
      { backoff: { jitter: 1 } },
      { resources: { cpu: 0.25 } },
    ]) {
      expect(taskSpecSchema.safeParse({ type: 'a', ...spec }).success, JSON.stringify(spec)).toBe(
        true,
      );
    }
  });

  it('a runAt that is not an ISO 8601 time with a zone', () => {
    for (const runAt of [
      'tomorrow',
      '2030-01-01',
      '2030-01-01T00:00:00',
      '2030-13-01T00:00:00Z',
      1893456000000,
    ]) {
      expect(fieldOf({ type: 'a', runAt }), String(runAt)).toBe('runAt');
    }
    expect(rejection(taskSpecSchema, { type: 'a', runAt: 'tomorrow' }).message).toBe(
      'runAt: must be an ISO 8601 time',
    );
  });

  it('runAt together with delayMs', () => {
    expect(
      rejection(taskSpecSchema, { type: 'a', runAt: '2030-01-01T00:00:00Z', delayMs: 10 }),
    ).toEqual({ field: 'delayMs', message: 'delayMs: give runAt or delayMs, not both' });
  });

  it('a process executor without a command', () => {
    expect(fieldOf({ type: 'a', executor: { kind: 'process' } })).toBe('executor.command');
    expect(
      rejection(taskSpecSchema, { type: 'a', executor: { kind: 'process', command: [] } }),
    ).toEqual({
      field: 'executor.command',
      message: 'executor.command: must name a program',
    });
    expect(fieldOf({ type: 'a', executor: { kind: 'process', command: 'ls -l' } })).toBe(
      'executor.command',
    );
  });

  it('an http executor with a URL that is not http(s), or a bad method', () => {
    for (const url of [
      'ftp://example.com/x',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url',
      '',
    ]) {
      expect(fieldOf({ type: 'a', executor: { kind: 'http', url } }), url).toBe('executor.url');
    }
    expect(fieldOf({ type: 'a', executor: { kind: 'http' } })).toBe('executor.url');
    expect(
      fieldOf({ type: 'a', executor: { kind: 'http', url: 'https://x.io', method: 'TRACE' } }),
    ).toBe('executor.method');
  });

  it('an unknown executor kind', () => {
    expect(fieldOf({ type: 'a', executor: { kind: 'docker' } })).toBe('executor.kind');
    expect(fieldOf({ type: 'a', executor: {} })).toBe('executor.kind');
  });

  it('a bad toleration', () => {
    expect(fieldOf({ type: 'a', tolerations: [{ key: 'k', operator: 'In' }] })).toBe(
      'tolerations.0.operator',
    );
    expect(fieldOf({ type: 'a', tolerations: [{ key: 'k' }, { key: 'k', effect: 'Never' }] })).toBe(
      'tolerations.1.effect',
    );
    expect(fieldOf({ type: 'a', tolerations: [{ operator: 'Exists' }] })).toBe('tolerations.0.key');
  });
});

describe('taskBatchSchema', () => {
  it('holds 1 to MAX_BATCH tasks', () => {
    expect(MAX_BATCH).toBe(1000);
    expect(parseInput(taskBatchSchema, { tasks: [{ type: 'a' }] })).toEqual({
      tasks: [{ type: 'a' }],
    });
    const full = { tasks: Array.from({ length: 1000 }, () => ({ type: 'a' })) };
    expect(parseInput(taskBatchSchema, full).tasks).toHaveLength(1000);
  });

  it('rejects an empty or oversized batch, and names a bad task by index', () => {
    expect(rejection(taskBatchSchema, { tasks: [] })).toEqual({
      field: 'tasks',
      message: 'tasks: must hold at least one task',
    });
    const over = { tasks: Array.from({ length: 1001 }, () => ({ type: 'a' })) };
    expect(rejection(taskBatchSchema, over)).toEqual({
      field: 'tasks',
      message: 'tasks: must hold at most 1000 tasks',
    });
    expect(rejection(taskBatchSchema, { tasks: [{ type: 'a' }, { type: 'b c' }] }).field).toBe(
      'tasks.1.type',
    );
    expect(rejection(taskBatchSchema, { tasks: [{ type: 'a' }, { type: 'b', x: 1 }] }).field).toBe(
      'tasks.1.x',
    );
    expect(rejection(taskBatchSchema, {}).field).toBe('tasks');
    expect(rejection(taskBatchSchema, { tasks: [{ type: 'a' }], extra: true }).field).toBe('extra');
  });
});

describe('taskListQuerySchema', () => {
  it('parses a list of states and coerces the limit', () => {
    expect(parseInput(taskListQuerySchema, { state: 'failed,cancelled', limit: '50' })).toEqual({
      state: ['failed', 'cancelled'],
      limit: 50,
    });
    expect(parseInput(taskListQuerySchema, { state: 'ready' })).toEqual({ state: ['ready'] });
    expect(parseInput(taskListQuerySchema, { state: 'ready,,running,' })).toEqual({
      state: ['ready', 'running'],
    });
    expect(parseInput(taskListQuerySchema, {})).toEqual({});
    expect(
      parseInput(taskListQuerySchema, {
        queue: 'emails',
        type: 'email.send',
        workflowId: 'wf_1',
        label: 'team=billing',
        cursor: 'abc',
        limit: '1000',
      }),
    ).toEqual({
      queue: 'emails',
      type: 'email.send',
      workflowId: 'wf_1',
      label: 'team=billing',
      cursor: 'abc',
      limit: 1000,
    });
    expect(parseInput(taskListQuerySchema, { limit: '1' }).limit).toBe(1);
  });

  it('rejects a limit of 0, 5000, a fraction or a word', () => {
    for (const limit of ['0', '5000', '1001', '1.5', 'ten', '-1']) {
      expect(rejection(taskListQuerySchema, { limit }).field, limit).toBe('limit');
    }
  });

  it('rejects unknown states, empty state lists and unknown parameters', () => {
    expect(rejection(taskListQuerySchema, { state: 'failed,exploded' }).field).toBe('state.1');
    expect(rejection(taskListQuerySchema, { state: 'FAILED' }).field).toBe('state.0');
    expect(rejection(taskListQuerySchema, { state: '' })).toEqual({
      field: 'state',
      message: 'state: must name a state',
    });
    expect(rejection(taskListQuerySchema, { status: 'failed' })).toEqual({
      field: 'status',
      message: 'unknown field status',
    });
    expect(rejection(taskListQuerySchema, { label: 'team' }).field).toBe('label');
    expect(rejection(taskListQuerySchema, { queue: 'a b' }).field).toBe('queue');
  });
});

describe('ChronoqError', () => {
  it('renders the error body of the API', () => {
    const e = new ChronoqError('invalid', 'unknown field x', 'x');
    expect(e.toBody()).toEqual({
      error: { code: 'invalid', message: 'unknown field x', field: 'x' },
    });
    expect(new ChronoqError('conflict', 'no').toBody()).toEqual({
      error: { code: 'conflict', message: 'no' },
    });
    expect(new ChronoqError('conflict', 'no').status).toBe(409);
  });
});
