// A pg Pool for graphile-worker, with the error handlers it asks for (on the pool and on every
// client), made by the benchmark so that it can await its end before the database is dropped.
import pg from 'pg';

export function graphilePool(connectionString, max, label) {
  const pool = new pg.Pool({ connectionString, max });
  const onError = (err) => console.error(`${label}: ${err.message}`);
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
}
