/**
 * The watch's plain-HTTP port: /metrics (Prometheus), /healthz (the loop is alive: a pass started within three
 * intervals) and /readyz (a first pass has ended). Probes read the watcher's state; nothing here runs a check.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IssuerWatchMetrics } from './metrics.js';
import type { IssuerWatcher } from './watcher.js';

export interface WatchServer {
  port: number;
  close(): Promise<void>;
}

export async function startWatchServer(
  watcher: IssuerWatcher,
  metrics: IssuerWatchMetrics,
  o: { port: number; host?: string; intervalMs: number; now: () => number },
): Promise<WatchServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const text = (code: number, body: string) => {
      res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
          res.end(body);
        },
        () => text(500, 'metrics unavailable\n'),
      );
      return;
    }
    if (path === '/healthz') {
      const started = watcher.lastTickStartedAt;
      const alive = started === undefined || o.now() - started <= 3 * o.intervalMs;
      return text(alive ? 200 : 503, alive ? 'ok\n' : 'no pass started for three intervals\n');
    }
    if (path === '/readyz') {
      const ready = watcher.lastPassEndedAt !== undefined;
      return text(ready ? 200 : 503, ready ? 'ok\n' : 'no pass has ended yet\n');
    }
    text(404, 'not found\n');
  });
  await new Promise<void>((resolve) => server.listen(o.port, o.host ?? '0.0.0.0', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
