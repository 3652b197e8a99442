/**
 * A CDN in front of an HTTPS origin, for stale-copy tests: it caches every answer by its full URL (query included,
 * as a cache-busting query relies on) for the origin's max-age, and serves copies with an `Age` header. Its own
 * certificate is the test CA's (startHttpsServer).
 */
import { get } from 'node:https';
import { startHttpsServer } from './kube-apiserver.js';

interface Copy {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  storedAt: number;
}

export async function startCachingCdn(origin: string, originCaPem: string, now: () => number = Date.now) {
  const cache = new Map<string, Copy>();
  const fetchOrigin = (path: string) =>
    new Promise<Copy>((resolve, reject) => {
      get(`${origin}${path}`, { ca: originCaPem }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const h of ['content-type', 'cache-control']) {
            const v = res.headers[h];
            if (typeof v === 'string') headers[h] = v;
          }
          resolve({ status: res.statusCode ?? 502, headers, body: Buffer.concat(chunks), storedAt: now() });
        });
      }).on('error', reject);
    });
  const server = await startHttpsServer((req, res) => {
    const path = req.url ?? '/';
    const held = cache.get(path);
    const maxAge = Number(/max-age=(\d+)/.exec(held?.headers['cache-control'] ?? '')?.[1] ?? 0);
    if (held && now() - held.storedAt < maxAge * 1000) {
      const age = Math.floor((now() - held.storedAt) / 1000);
      res.writeHead(held.status, { ...held.headers, age: String(age) });
      res.end(held.body);
      return;
    }
    fetchOrigin(path).then(
      (copy) => {
        if (copy.status === 200) cache.set(path, copy);
        res.writeHead(copy.status, copy.headers);
        res.end(copy.body);
      },
      () => {
        res.writeHead(502);
        res.end('origin unreachable');
      },
    );
  });
  return { url: server.url, caPem: server.caPem, close: server.close, cached: () => [...cache.keys()] };
}
