// redis://[user:password@]host:port[/db] → ioredis options (what BullMQ's `connection` takes).
export function redisOptions(url) {
  const u = new URL(url);
  const o = { host: u.hostname, port: Number(u.port || 6379) };
  if (u.username) o.username = decodeURIComponent(u.username);
  if (u.password) o.password = decodeURIComponent(u.password);
  if (u.pathname.length > 1) o.db = Number(u.pathname.slice(1));
  return o;
}
