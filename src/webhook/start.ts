import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { certificateInfo } from '../core/certs/info.js';
import { E, IrsaError } from '../core/errors.js';
import type { WebhookSettings } from '../core/webhook/types.js';
import { systemErrorWords } from '../io/system-errors.js';
import { WebhookMetrics } from './metrics.js';
import type { ServiceAccountSource } from './sa-source.js';
import { type MutateFn, WebhookServer, type WebhookServerOptions } from './server.js';
import type { TlsCredentials } from './tls-reloader.js';

/** Something that provides the serving certificate and tells when it changes (files, or the self-managed Secret). */
export interface TlsProvider {
  /** Returns the first pair (throws when there is none) and calls `apply` on every change after that. */
  start(apply: (c: TlsCredentials) => void): Promise<TlsCredentials>;
  close(): void | Promise<void>;
}

export interface StartWebhookOptions {
  settings: WebhookSettings;
  source: ServiceAccountSource;
  tls: TlsProvider;
  log: Logger;
  port: number;
  host?: string;
  /** Undefined: no metrics listener (tests). */
  metricsPort?: number;
  metricsHost?: string;
  maxBodyBytes: number;
  failClosed: boolean;
  lookupGraceMs: number;
  drainTimeoutMs?: number;
  /** Wait for the source's first sync before resolving (default false: serve at once, /readyz says when). */
  waitForSync?: boolean;
  mutate?: MutateFn;
  processMetrics?: boolean;
  tlsMinVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface RunningWebhook {
  server: WebhookServer;
  metrics: WebhookMetrics;
  port: number;
  metricsPort?: number;
  /** Drains in-flight requests, then stops the source, TLS watcher and metrics listener. */
  close(): Promise<void>;
}

/**
 * Wires the pieces: TLS first (no certificate, no server), then the ServiceAccount source in the background
 * (/readyz turns ready when it has synced; the EKS webhook serves before its cache syncs and says nothing), then
 * the listeners: metrics first, HTTPS last, so /readyz can only ever answer once every listener is up. A listener
 * that cannot start is fatal (ERR_LISTEN): whatever was started is stopped again and the error thrown.
 */
export async function startWebhook(o: StartWebhookOptions): Promise<RunningWebhook> {
  const metrics = new WebhookMetrics({ processMetrics: o.processMetrics });
  let metricsServer: Server | undefined;
  try {
    const webhook = await createServer(o, metrics);
    await startSource(o);
    if (o.metricsPort !== undefined) {
      const host = o.metricsHost ?? o.host;
      metricsServer = await listening('metrics (--metrics-port)', o.metricsPort, host, (p, h) => metrics.listen(p, h));
    }
    await listening('HTTPS (--port)', o.port, o.host, (p, h) => webhook.listen(p, h));
    return running(o, webhook, metrics, metricsServer);
  } catch (e) {
    if (metricsServer) await closeServer(metricsServer);
    await Promise.all([o.source.close(), o.tls.close()]);
    throw e;
  }
}

/** The HTTPS server with the first certificate, following every later one. */
async function createServer(o: StartWebhookOptions, metrics: WebhookMetrics): Promise<WebhookServer> {
  let server: WebhookServer | undefined;
  const credentials = await o.tls.start((c) => {
    noteCertificate(metrics, o.log, c, 'serving certificate reloaded');
    server?.setCredentials(c);
  });
  noteCertificate(metrics, o.log, credentials, 'serving certificate loaded');
  const webhook = new WebhookServer({ ...serverOptions(o), metrics, credentials });
  server = webhook;
  metrics.bind(
    () => o.source.size(),
    () => webhook.ready,
  );
  return webhook;
}

function running(
  o: StartWebhookOptions,
  webhook: WebhookServer,
  metrics: WebhookMetrics,
  metricsServer: Server | undefined,
): RunningWebhook {
  const port = (webhook.server.address() as AddressInfo).port;
  const metricsPort = metricsServer ? (metricsServer.address() as AddressInfo).port : undefined;
  o.log.info({ port, metricsPort }, 'webhook listening');
  return {
    server: webhook,
    metrics,
    port,
    metricsPort,
    async close() {
      await webhook.close();
      await Promise.all([o.source.close(), o.tls.close(), metricsServer ? closeServer(metricsServer) : undefined]);
    },
  };
}

function serverOptions(o: StartWebhookOptions): Omit<WebhookServerOptions, 'metrics' | 'credentials'> {
  return {
    settings: o.settings,
    source: o.source,
    log: o.log,
    maxBodyBytes: o.maxBodyBytes,
    failClosed: o.failClosed,
    lookupGraceMs: o.lookupGraceMs,
    drainTimeoutMs: o.drainTimeoutMs,
    mutate: o.mutate,
    tlsMinVersion: o.tlsMinVersion,
  };
}

/** Starts the source in the background, or waits for its first sync when asked to. */
async function startSource(o: StartWebhookOptions): Promise<void> {
  const started = o.source.start().catch((e) => {
    o.log.error({ err: (e as Error).message }, 'ServiceAccount source failed to start');
    throw e;
  });
  if (o.waitForSync) await started;
  else started.catch(() => undefined);
}

/** Runs `listen`, turning its failure into one line that names the listener and the address. */
async function listening<T>(
  what: string,
  port: number,
  host: string | undefined,
  listen: (port: number, host?: string) => Promise<T>,
): Promise<T> {
  try {
    return await listen(port, host);
  } catch (e) {
    const address = `${host ?? 'all addresses'} port ${port}`;
    throw new IrsaError(E.ERR_LISTEN, `cannot listen for ${what} on ${address}: ${systemErrorWords(e)}`);
  }
}

function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}

function noteCertificate(metrics: WebhookMetrics, log: Logger, c: TlsCredentials, message: string): void {
  try {
    const info = certificateInfo(c.certPem);
    metrics.certificateExpiry.set(Math.floor(info.notAfter.getTime() / 1000));
    log.info({ serialNumber: info.serialNumber, notAfter: info.notAfter.toISOString() }, message);
  } catch {
    log.warn({}, `${message} (its expiry could not be read)`);
  }
}
