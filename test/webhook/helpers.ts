/**
 * Shared by the webhook server tests: a CA + 127.0.0.1 serving certificate from src/core/certs, a real HTTPS
 * client trusting only that CA, and an in-process webhook (the same startWebhook the CLI uses) with cleanup.
 */
// Certificates are issued in this process: @peculiar/x509 needs the Reflect polyfill first (src/core/certs/issue.ts).
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { type Agent, request } from 'node:https';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import pino from 'pino';
import { issueCa, issueServingCert } from '../../src/core/certs/issue.js';
import { DEFAULT_WEBHOOK_SETTINGS, type KubeObject, type WebhookSettings } from '../../src/core/webhook/types.js';
import type { ServiceAccountSource } from '../../src/webhook/sa-source.js';
import { FileServiceAccountSource } from '../../src/webhook/sa-source-file.js';
import type { MutateFn } from '../../src/webhook/server.js';
import { type RunningWebhook, startWebhook, type TlsProvider } from '../../src/webhook/start.js';
import { fileTlsProvider, type TlsCredentials } from '../../src/webhook/tls-reloader.js';

export interface TestPki {
  caPem: string;
  caKeyPem: string;
  certPem: string;
  keyPem: string;
}

let pki: Promise<TestPki> | undefined;

/** One CA and a certificate for 127.0.0.1/localhost per test process. */
export function testPki(): Promise<TestPki> {
  pki ??= (async () => {
    const ca = await issueCa({ commonName: 'webhook test CA' });
    const leaf = await servingFor(ca);
    return { caPem: ca.certPem, caKeyPem: ca.keyPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
  })();
  return pki;
}

export async function servingFor(ca: { certPem: string; keyPem: string }, days = 30): Promise<TlsCredentials> {
  const leaf = await issueServingCert({ ca, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], days });
  return { certPem: leaf.certPem, keyPem: leaf.keyPem };
}

export function staticTls(c: TlsCredentials): TlsProvider {
  return { start: async () => c, close: () => undefined };
}

/** A log sink whose lines tests can search (for "never logs a token"). */
export function captureLog(level = 'debug') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { log: pino({ level }, stream), lines };
}

/** An in-memory source (for tests that are not about the source). */
export function memorySource(sas: KubeObject[], ready = true): ServiceAccountSource & { ready: boolean } {
  const map = new Map(sas.map((s) => [`${s.metadata?.namespace}/${s.metadata?.name}`, s]));
  return {
    ready,
    get: (ns, name) => map.get(`${ns}/${name}`),
    size: () => map.size,
    start: async () => undefined,
    close: async () => undefined,
  };
}

export interface StartOptions {
  source?: ServiceAccountSource;
  /** ServiceAccounts written to a --service-accounts-file (real file source). */
  serviceAccounts?: KubeObject[];
  dir?: string;
  settings?: Partial<WebhookSettings>;
  failClosed?: boolean;
  maxBodyBytes?: number;
  lookupGraceMs?: number;
  mutate?: MutateFn;
  tls?: TlsProvider;
  metrics?: boolean;
  drainTimeoutMs?: number;
  log?: pino.Logger;
}

export async function startTestWebhook(
  t: { after: (fn: () => unknown) => void },
  o: StartOptions = {},
): Promise<RunningWebhook & { url: string; pki: TestPki }> {
  const p = await testPki();
  let source = o.source;
  if (!source && o.serviceAccounts) {
    if (!o.dir) throw new Error('serviceAccounts needs dir');
    const file = join(o.dir, 'service-accounts.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: o.serviceAccounts }));
    source = new FileServiceAccountSource(file, {
      annotationPrefix: o.settings?.annotationPrefix ?? 'eks.amazonaws.com',
      pollMs: 200,
    });
  }
  const running = await startWebhook({
    settings: { ...DEFAULT_WEBHOOK_SETTINGS, ...o.settings },
    source: source ?? memorySource([]),
    tls: o.tls ?? staticTls({ certPem: p.certPem, keyPem: p.keyPem }),
    log: o.log ?? pino({ level: 'silent' }),
    port: 0,
    host: '127.0.0.1',
    metricsPort: o.metrics ? 0 : undefined,
    maxBodyBytes: o.maxBodyBytes ?? 3 * 1024 * 1024,
    failClosed: Boolean(o.failClosed),
    lookupGraceMs: o.lookupGraceMs ?? 2000,
    drainTimeoutMs: o.drainTimeoutMs,
    waitForSync: true,
    mutate: o.mutate,
    processMetrics: false,
  });
  t.after(() => running.close());
  return { ...running, url: `https://127.0.0.1:${running.port}`, pki: p };
}

export { fileTlsProvider };

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Serial number of the certificate the server presented. */
  serial: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests index into response JSON freely
  json(): any;
}

/** A real HTTPS request trusting only the test CA. */
export function send(
  url: string,
  caPem: string,
  o: {
    method?: string;
    path?: string;
    body?: string | Buffer;
    contentType?: string;
    headers?: Record<string, string>;
    agent?: Agent;
    /** Verify the certificate for this name (SNI) instead of 127.0.0.1. */
    servername?: string;
    /** Skip verification (only to read what certificate is served). */
    insecure?: boolean;
  } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(o.path ?? '/mutate', url);
    const headers: Record<string, string> = { ...o.headers };
    if (o.contentType !== undefined) headers['content-type'] = o.contentType;
    if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body));
    const req = request(
      u,
      {
        method: o.method ?? 'POST',
        ca: caPem,
        headers,
        agent: o.agent ?? false,
        servername: o.servername,
        rejectUnauthorized: !o.insecure,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const serial = (res.socket as TLSSocket).getPeerCertificate?.()?.serialNumber ?? '';
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, serial, json: () => JSON.parse(body) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** An AdmissionReview v1 for a pod, as the API server sends it. */
export function review(pod: KubeObject, o: { namespace?: string; uid?: string; apiVersion?: string } = {}): string {
  return JSON.stringify({
    apiVersion: o.apiVersion ?? 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: o.uid ?? 'c0ffee00-0000-4000-8000-000000000001',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: o.namespace ?? 'default',
      operation: 'CREATE',
      userInfo: { username: 'test' },
      object: pod,
    },
  });
}

// biome-ignore lint/suspicious/noExplicitAny: patch ops are inspected freely in tests
export function decodePatch(response: { patch?: string }): any[] {
  return response.patch ? JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) : [];
}

export function serviceAccount(namespace: string, name: string, annotations: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, annotations } };
}

export const ROLE = 'arn:aws:iam::111122223333:role/app';

export function pod(serviceAccountName = 'app', extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p1', ...extra },
    spec: { serviceAccountName, containers: [{ name: 'app', image: 'busybox' }] },
  };
}

/** Polls `fn` until it returns truthy (or throws after timeoutMs). */
export async function until<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
