import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { certificateInfo } from '../core/certs/info.js';
import type { WebhookSettings } from '../core/webhook/types.js';
import { WebhookMetrics } from './metrics.js';
import type { ServiceAccountSource } from './sa-source.js';
import { type MutateFn, WebhookServer } from './server.js';
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
 * Wires the pieces: TLS first (no certificate, no server), then the HTTPS listener, then the ServiceAccount source
 * in the background (/readyz turns ready when it has synced; the EKS webhook serves before its cache syncs and
 * says nothing).
 */
export async function startWebhook(o: StartWebhookOptions): Promise<RunningWebhook> {
  const metrics = new WebhookMetrics({ processMetrics: o.processMetrics });
  let server: WebhookServer | undefined;
  const apply = (c: TlsCredentials) => {
    noteCertificate(metrics, o.log, c, 'serving certificate reloaded');
    server?.setCredentials(c);
  };
  const credentials = await o.tls.start(apply);
  noteCertificate(metrics, o.log, credentials, 'serving certificate loaded');
  server = new WebhookServer({
    settings: o.settings,
    source: o.source,
    metrics,
    log: o.log,
    credentials,
    maxBodyBytes: o.maxBodyBytes,
    failClosed: o.failClosed,
    lookupGraceMs: o.lookupGraceMs,
    drainTimeoutMs: o.drainTimeoutMs,
    mutate: o.mutate,
    tlsMinVersion: o.tlsMinVersion,
  });
  const webhook = server;
  metrics.bind(
    () => o.source.size(),
    () => webhook.ready,
  );
  const sourceStarted = o.source.start().catch((e) => {
    o.log.error({ err: (e as Error).message }, 'ServiceAccount source failed to start');
    throw e;
  });
  if (o.waitForSync) await sourceStarted;
  else sourceStarted.catch(() => undefined);
  const address = await server.listen(o.port, o.host);
  let metricsServer: Server | undefined;
  if (o.metricsPort !== undefined) metricsServer = await metrics.listen(o.metricsPort, o.metricsHost ?? o.host);
  const metricsPort = metricsServer ? (metricsServer.address() as { port: number }).port : undefined;
  o.log.info({ port: address.port, metricsPort }, 'webhook listening');
  return {
    server,
    metrics,
    port: address.port,
    metricsPort,
    async close() {
      await webhook.close();
      const metricsClosed = metricsServer ? new Promise<void>((r) => metricsServer.close(() => r())) : undefined;
      metricsServer?.closeAllConnections();
      await Promise.all([o.source.close(), o.tls.close(), metricsClosed]);
    },
  };
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
