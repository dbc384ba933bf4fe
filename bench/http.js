// A small keep-alive JSON client for the benchmarks (node:http; fetch costs more per call).
import http from 'node:http';

export function makeClient(base, { sockets = 64 } = {}) {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  return function request(method, path, body) {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: data
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }
            : {},
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode >= 400)
              reject(new Error(`${method} ${path} → ${res.statusCode} ${text}`));
            else resolve(text ? JSON.parse(text) : null);
          });
        },
      );
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
  };
}
