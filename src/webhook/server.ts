import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { mutatePod } from '../core/webhook/mutate.js';
import type { KubeObject, MutationResult, WebhookSettings } from '../core/webhook/types.js';
import { type AdmissionAnswer, BadReview, type DecodedReview, decodeReview, encodeReview, isPod } from './admission.js';
import { skipReason, type WebhookMetrics } from './metrics.js';
import type { ServiceAccountSource } from './sa-source.js';
import type { TlsCredentials } from './tls-reloader.js';

export type MutateFn = (
  pod: KubeObject,
  serviceAccount: KubeObject | undefined,
  settings: WebhookSettings,
  context: { namespace: string },
) => MutationResult;

export interface WebhookServerOptions {
  settings: WebhookSettings;
  source: ServiceAccountSource;
  metrics: WebhookMetrics;
  log: Logger;
  credentials: TlsCredentials;
  /** Largest request body read; larger gets 413 and the connection closed. */
  maxBodyBytes: number;
  /** Deny (instead of allow with a warning) when handling a pod fails inside the webhook. */
  failClosed: boolean;
  /** How long a pod waits for a ServiceAccount missing from the cache (live lookup). */
  lookupGraceMs: number;
  /** How long close() waits for in-flight requests before cutting connections (default 9 s, under the 10 s budget). */
  drainTimeoutMs?: number;
  /** The mutation core; replaceable so tests can inject a fault. */
  mutate?: MutateFn;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const TEXT_HEADERS = { 'content-type': 'text/plain; charset=utf-8' };
const BAD_CONTENT_TYPE = 'Invalid Content-Type, expected `application/json`\n';

/**
 * The HTTPS admission webhook: `POST /mutate` (AdmissionReview v1/v1beta1), `GET /healthz` (alive),
 * `GET /readyz` (ServiceAccount source synced and not draining). Bad input never takes it down and never denies a
 * pod by itself: a request that is not an AdmissionReview gets HTTP 400 so the API server applies the configured
 * failurePolicy (the EKS webhook answers 200 allowed:false, which blocks the pod whatever the policy says).
 */
export class WebhookServer {
  readonly server: Server;
  private readonly mutate: MutateFn;
  private inFlight = 0;
  private draining = false;
  private idle: (() => void) | undefined;
  private readonly debug: boolean;

  constructor(private readonly o: WebhookServerOptions) {
    this.mutate = o.mutate ?? (mutatePod as MutateFn);
    this.debug = o.log.isLevelEnabled('debug');
    this.server = createServer(
      {
        cert: o.credentials.certPem,
        key: o.credentials.keyPem,
        minVersion: 'TLSv1.2',
        // The API server keeps connections open; keep-alive is what makes TLS cheap (node20-dependencies §4a).
        keepAlive: true,
        keepAliveTimeout: 65_000,
        headersTimeout: 10_000,
        requestTimeout: 30_000,
      },
      (req, res) => this.onRequest(req, res),
    );
    this.server.on('tlsClientError', (err) => {
      if (this.debug) this.o.log.debug({ err: err.message }, 'TLS handshake failed');
    });
  }

  /** Swaps the serving certificate for new connections (file reload, self-managed rotation). */
  setCredentials(c: TlsCredentials): void {
    this.server.setSecureContext({ cert: c.certPem, key: c.keyPem, minVersion: 'TLSv1.2' });
  }

  async listen(port: number, host?: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  get ready(): boolean {
    return !this.draining && this.o.source.ready;
  }

  /**
   * Drains: stops accepting, closes idle keep-alive connections, lets in-flight requests finish (their responses
   * carry `Connection: close`), and cuts whatever is left after the drain timeout.
   */
  async close(): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.inFlight > 0) {
      const drained = new Promise<void>((resolve) => {
        this.idle = resolve;
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.o.drainTimeoutMs ?? 9_000);
      });
      await Promise.race([drained, timeout]);
      clearTimeout(timer);
    }
    this.server.closeAllConnections();
    await closed;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const start = performance.now();
    this.inFlight++;
    res.once('close', () => {
      this.inFlight--;
      if (this.inFlight === 0 && this.idle) this.idle();
    });
    if (this.draining) res.setHeader('connection', 'close');
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path === '/mutate') {
      if (req.method !== 'POST') return this.send(res, path, start, 405, TEXT_HEADERS, 'use POST\n');
      this.receive(req, res, start);
      return;
    }
    if (path === '/healthz' || path === '/livez') {
      return this.send(res, '/healthz', start, 200, TEXT_HEADERS, 'ok\n');
    }
    if (path === '/readyz') {
      if (this.ready) return this.send(res, path, start, 200, TEXT_HEADERS, 'ok\n');
      const why = this.draining ? 'shutting down' : 'ServiceAccount source not synced yet';
      return this.send(res, path, start, 503, TEXT_HEADERS, `not ready: ${why}\n`);
    }
    this.send(res, path, start, 404, TEXT_HEADERS, 'not found\n');
  }

  private receive(req: IncomingMessage, res: ServerResponse, start: number): void {
    const type = req.headers['content-type'];
    const media = type === undefined ? '' : type.split(';', 1)[0].trim().toLowerCase();
    if (media !== 'application/json') {
      return this.send(res, '/mutate', start, 415, TEXT_HEADERS, BAD_CONTENT_TYPE);
    }
    const limit = this.o.maxBodyBytes;
    const declared = Number(req.headers['content-length'] ?? -1);
    if (declared > limit) return this.tooLarge(req, res, start);
    const chunks: Buffer[] = [];
    let size = 0;
    let stopped = false;
    req.on('data', (c: Buffer) => {
      if (stopped) return;
      size += c.length;
      if (size > limit) {
        stopped = true;
        this.tooLarge(req, res, start);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (stopped) return;
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      this.review(body, res, start).catch((e) => {
        // Only a bug in this file gets here (review() answers its own errors); never leave the API server hanging.
        this.o.log.warn({ err: (e as Error).message }, 'unexpected error answering an AdmissionReview');
        if (!res.headersSent) this.send(res, '/mutate', start, 500, TEXT_HEADERS, 'internal error\n');
      });
    });
    req.on('error', () => {
      stopped = true;
    });
  }

  /** 413 without reading the rest: the connection is closed, since the unread body is still on it. */
  private tooLarge(req: IncomingMessage, res: ServerResponse, start: number): void {
    res.setHeader('connection', 'close');
    req.pause();
    this.send(res, '/mutate', start, 413, TEXT_HEADERS, `request body larger than ${this.o.maxBodyBytes} bytes\n`);
    res.once('finish', () => req.socket.destroySoon());
  }

  private async review(body: Buffer, res: ServerResponse, start: number): Promise<void> {
    let review: DecodedReview;
    try {
      review = decodeReview(body);
    } catch (e) {
      if (!(e instanceof BadReview)) throw e;
      this.o.log.warn({ reason: e.message }, 'rejected a request that is not an AdmissionReview (HTTP 400)');
      return this.send(res, '/mutate', start, 400, TEXT_HEADERS, `${e.message}\n`);
    }
    const { request } = review;
    const src = this.o.source;
    let answer: AdmissionAnswer;
    let logged: Record<string, unknown> | undefined;
    if (!isPod(request)) {
      this.o.metrics.skipped('not-a-pod');
      answer = { allowed: true };
      if (this.debug) logged = { uid: request.uid, kind: request.kind ?? request.object.kind, skipped: 'not a Pod' };
    } else {
      try {
        const r = await this.mutatePodRequest(request.object, request.namespace);
        answer = { allowed: true, patch: r.result.patch, warnings: r.result.warnings };
        if (r.result.patch.length > 0) this.o.metrics.mutations.inc();
        else this.o.metrics.skipped(r.missing ? 'no-service-account' : skipReason(r.result.skipped ?? ''));
        if (r.result.warnings.length > 0) this.o.metrics.warnings.inc(r.result.warnings.length);
        if (this.debug || (r.missing && src.lookup)) {
          logged = {
            uid: request.uid,
            namespace: r.namespace,
            pod: podName(request.object),
            serviceAccount: r.serviceAccount,
            mutated: r.result.patch.length > 0,
            skipped: r.result.skipped,
            warnings: r.result.warnings.length > 0 ? r.result.warnings : undefined,
          };
        }
        // With the API as source a missing ServiceAccount is an anomaly worth a line; a file lists only some.
        if (r.missing && this.o.source.lookup) {
          this.o.log.info(logged, 'ServiceAccount not found: pod admitted without credentials');
          logged = undefined;
        }
      } catch (e) {
        this.o.metrics.internalErrors.inc();
        const message = `irsa webhook internal error: ${(e as Error).message}`;
        this.o.log.warn(
          { uid: request.uid, namespace: request.namespace, pod: podName(request.object), err: (e as Error).message },
          this.o.failClosed ? 'internal error: pod denied (--fail-closed)' : 'internal error: pod admitted unmutated',
        );
        answer = this.o.failClosed
          ? { allowed: false, status: { code: 500, message } }
          : { allowed: true, warnings: [`${message}; pod admitted without AWS credentials injected`] };
      }
    }
    const out = encodeReview(review, request.uid, answer);
    if (logged) this.o.log.debug({ ...logged, ms: Math.round((performance.now() - start) * 100) / 100 }, 'admission');
    this.send(res, '/mutate', start, 200, JSON_HEADERS, out);
  }

  private async mutatePodRequest(pod: KubeObject, requestNamespace: string) {
    const spec = (pod.spec ?? {}) as Record<string, unknown>;
    const namespace = requestNamespace || (pod.metadata?.namespace as string | undefined) || 'default';
    const serviceAccount =
      (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName) ||
      (typeof spec.serviceAccount === 'string' && spec.serviceAccount) ||
      'default';
    const src = this.o.source;
    let sa = src.get(namespace, serviceAccount);
    // A pod created together with its ServiceAccount can reach us before the informer has it (EKS webhook #174).
    if (sa === undefined && src.lookup && this.o.lookupGraceMs > 0) {
      sa = await src.lookup(namespace, serviceAccount, this.o.lookupGraceMs);
    }
    const missing = sa === undefined;
    if (missing) this.o.metrics.missingServiceAccounts.inc();
    const result = this.mutate(pod, sa, this.o.settings, { namespace });
    return { result, namespace, serviceAccount, missing };
  }

  private send(
    res: ServerResponse,
    path: string,
    start: number,
    code: number,
    headers: Record<string, string>,
    body: string,
  ): void {
    res.writeHead(code, { ...headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
    this.o.metrics.request(path, code, (performance.now() - start) / 1000);
  }
}

function podName(pod: KubeObject): string | undefined {
  const md = pod.metadata;
  if (md?.name) return md.name;
  const gen = md?.generateName;
  return typeof gen === 'string' ? `${gen}*` : undefined;
}
