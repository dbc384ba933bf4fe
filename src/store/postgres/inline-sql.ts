/**
 * SQL with its `$n` parameters written in as literals, so that several statements can travel in
 * one simple-protocol message (`a; b; COMMIT`): one round trip and one system call for what the
 * extended protocol sends as one message exchange per statement. The values are quoted as the
 * driver's own `escapeLiteral` quotes them and keep the text form the extended protocol would send, so an
 * untyped literal resolves in the statement exactly as the untyped parameter did.
 */
export function inlineSql(sql: string, params: readonly unknown[] = []): string {
  if (params.length === 0) return sql;
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= params.length) throw new Error(`inlineSql: no value for $${n}`);
    return literal(params[i]);
  });
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  return quote(Array.isArray(value) ? arrayText(value) : text(value));
}

/**
 * A string constant, quoted as the driver's `escapeLiteral` does (an `E'…'` string with doubled
 * backslashes, whatever `standard_conforming_strings` says), by two replaces instead of a loop
 * over every character: the JSON of a batch is long.
 */
function quote(s: string): string {
  const quoted = s.replace(/'/g, "''");
  return s.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

function text(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      if (value instanceof Date) return value.toISOString();
      return JSON.stringify(value);
  }
}

/** A Postgres array literal (`{"a","b",NULL}`), as node-postgres writes an array parameter. */
function arrayText(values: readonly unknown[]): string {
  const items = values.map((v) => {
    if (v === null || v === undefined) return 'NULL';
    if (Array.isArray(v)) return arrayText(v);
    return `"${text(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(',')}}`;
}
