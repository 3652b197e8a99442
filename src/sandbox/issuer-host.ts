/**
 * The static HTTPS issuer host: serves DIR/issuer/ read-only (GET/HEAD), with the content types and caching
 * kube-apiserver uses for discovery and JWKS, and no way out of the directory.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { posix, sep } from 'node:path';
import type { IssuerTls } from './issuer-ca.js';

const MAX_FILE = 4 * 1024 * 1024;

function contentType(path: string): string {
  if (path.endsWith('/.well-known/openid-configuration')) return 'application/json';
  if (/\/(jwks|keys\.json)$/.test(path)) return 'application/jwk-set+json';
  if (path.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}

export function createIssuerHost(root: string, tls: IssuerTls): Server {
  return createServer({ cert: tls.chainPem, key: tls.keyPem }, async (req, res) => {
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return send(405, 'method not allowed\n');
      }
      let path: string;
      try {
        path = decodeURIComponent(new URL(req.url ?? '/', 'https://x').pathname);
      } catch {
        return send(400, 'bad path\n');
      }
      if (path.includes('\0') || path.includes('\\')) return send(400, 'bad path\n');
      const rel = posix.normalize(path);
      if (rel.split('/').includes('..')) return send(404, 'not found\n');
      const base = await realpath(root).catch(() => root);
      let file: string;
      try {
        file = await realpath(base + rel);
      } catch {
        return send(404, 'not found\n');
      }
      // realpath resolves symlinks too, so a link pointing outside the root is refused like `..`.
      if (file !== base && !file.startsWith(base + sep)) return send(404, 'not found\n');
      const st = await stat(file);
      if (!st.isFile() || st.size > MAX_FILE) return send(404, 'not found\n');
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': contentType(rel),
        'Content-Length': body.length,
        'Cache-Control': 'public, max-age=3600',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      if (!res.headersSent) send(500, 'internal error\n');
      else res.destroy();
    }
  });
}
