import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '../testing/postgres-server.js';
import { inlineSql } from './inline-sql.js';

let database: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  database = await startTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
}, 120_000);
afterAll(async () => {
  await client?.end();
  await database?.stop();
}, 60_000);

const HOSTILE = [
  '',
  "it's",
  "''; DROP TABLE x; --",
  'back\\slash \\\\ and \\n',
  'quote " and \\" both',
  'unicode ✓ 日本 \u{1F600}',
  '{braces},commas,NULL',
  "E'not a prefix'",
  '$1 $2 inside a value',
];

/** The value the server sees for `params`, sent as parameters and written in as literals. */
async function both(sql: string, params: unknown[]) {
  const sent = (await client.query(sql, params)).rows;
  const inlined = (await client.query(inlineSql(sql, params))).rows;
  return { sent, inlined };
}

describe('inlineSql', () => {
  it('writes hostile strings in so the server reads the same text as from a parameter', async () => {
    for (const s of HOSTILE) {
      const { sent, inlined } = await both('SELECT $1::text AS v, $2::text AS w', [s, 'x']);
      expect(inlined, s).toEqual(sent);
      expect(inlined[0].v).toBe(s);
    }
  });

  it('keeps JSON with escapes intact', async () => {
    const value = JSON.stringify([{ a: "it's", b: 'back\\slash', c: 'q"uote', d: null, e: 1.5 }]);
    const { sent, inlined } = await both('SELECT $1::jsonb AS v', [value]);
    expect(inlined).toEqual(sent);
    expect(inlined[0].v).toEqual(JSON.parse(value));
  });

  it('writes arrays, numbers, booleans and nulls as the driver sends them', async () => {
    const sql = 'SELECT $1::text[] AS a, $2::bigint AS n, $3::boolean AS b, $4::text AS z';
    const params = [[...HOSTILE, null], 1_700_000_000_123, true, null];
    const { sent, inlined } = await both(sql, params);
    expect(inlined).toEqual(sent);
    expect(inlined[0].a).toEqual([...HOSTILE, null]);
  });

  it('does not depend on standard_conforming_strings', async () => {
    await client.query('SET standard_conforming_strings = off');
    try {
      const { inlined } = await both('SELECT $1::text AS v', ['a\\b']);
      expect(inlined[0].v).toBe('a\\b');
    } finally {
      await client.query('RESET standard_conforming_strings');
    }
  });

  it('refuses a placeholder without a value', () => {
    expect(() => inlineSql('SELECT $2', ['only one'])).toThrow(/no value for \$2/);
  });
});
