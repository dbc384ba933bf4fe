// The Redis server for the BullMQ peer: CHRONOQ_BENCH_REDIS_URL, else redis://127.0.0.1:6379 if it
// answers. Never starts one. Checked with a raw RESP `INFO server` (node:net), so that the check
// needs nothing installed.
import net from 'node:net';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const encode = (args) =>
  `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');

/** Send `commands` in one go; resolves with their replies (strings), rejects on an error reply. */
function send(url, commands, timeoutMs = 3000) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    let buf = Buffer.alloc(0);
    const replies = [];
    const finish = (err) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(replies);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no answer in ${timeoutMs} ms`)));
    socket.on('error', finish);
    socket.on('connect', () => socket.write(commands.map(encode).join('')));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        const head = buf.subarray(0, eol).toString();
        if (head[0] === '-') return finish(new Error(head.slice(1)));
        if (head[0] === '$') {
          const len = Number(head.slice(1));
          if (buf.length < eol + 2 + len + 2) return;
          replies.push(buf.subarray(eol + 2, eol + 2 + len).toString());
          buf = buf.subarray(eol + 2 + len + 2);
        } else {
          replies.push(head.slice(1));
          buf = buf.subarray(eol + 2);
        }
        if (replies.length === commands.length) return finish();
      }
    });
  });
}

/** `{ available, url, source, version }` or `{ available: false, url, source, reason }`. */
export async function findRedis() {
  const fromEnv = process.env.CHRONOQ_BENCH_REDIS_URL;
  const url = fromEnv || DEFAULT_REDIS_URL;
  const source = fromEnv ? 'CHRONOQ_BENCH_REDIS_URL' : 'default';
  try {
    const u = new URL(url);
    const auth = u.password
      ? [
          [
            'AUTH',
            ...(u.username ? [decodeURIComponent(u.username)] : []),
            decodeURIComponent(u.password),
          ],
        ]
      : [];
    const replies = await send(url, [...auth, ['INFO', 'server']]);
    const version = /redis_version:(\S+)/.exec(replies[replies.length - 1])?.[1] ?? 'unknown';
    return { available: true, url, source, version };
  } catch (err) {
    return { available: false, url, source, reason: err?.message || String(err) };
  }
}
