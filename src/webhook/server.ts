import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { mutatePod } from '../core/webhook/mutate.js';
import type { ResolveServiceAccount } from '../core/webhook/resolve.js';
import type { KubeObject, MutationResult, WebhookSettings } from '../core/webhook/types.js';
import { readBody } from '../io/http/read-body.js';
import { type AdmissionAnswer, BadReview, type DecodedReview, decodeReview, isPod, reviewWriter } from './admission.js';
import { serviceAccountMemo } from './identity-memo.js';
import { skipReason, type WebhookMetrics } from './metrics.js';
import type { ServiceAccountSource } from './sa-source.js';
import type { TlsCredentials } from './tls-reloader.js';

export type MutateFn = (
  pod: KubeObject,
  serviceAccount: KubeObject | undefined,
  settings: WebhookSettings,
  context: { namespace: string; resolveServiceAccount?: ResolveServiceAccount },
) => MutationResult;

export interface WebhookServerOptions {
  /** The first settings; replaced (never changed) with setSettings. */
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
  /** Default TLSv1.2 (the API server speaks 1.2 and 1.3). */
  tlsMinVersion?: 'TLSv1.2' | 'TLSv1.3';
}

const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain; charset=utf-8';
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
  private readonly resolveServiceAccount = serviceAccountMemo();
  private readonly writeReview = reviewWriter();
  private settings: WebhookSettings;
  private inFlight = 0;
  private draining = false;
  private idle: (() => void) | undefined;
  private readonly debug: boolean;

  constructor(private readonly o: WebhookServerOptions) {
    this.mutate = o.mutate ?? mutatePod;
    this.settings = frozenSettings(o.settings);
    this.debug = o.log.isLevelEnabled('debug');
    this.server = createServer(
      {
        cert: o.credentials.certPem,
        key: o.credentials.keyPem,
        minVersion: o.tlsMinVersion ?? 'TLSv1.2',
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

  /** Replaces the settings for the requests that follow (the container-credentials config was reloaded). */
  setSettings(settings: WebhookSettings): void {
    this.settings = frozenSettings(settings);
  }

  /** Swaps the serving certificate for new connections (file reload, self-managed rotation). */
  setCredentials(c: TlsCredentials): void {
    this.server.setSecureContext({ cert: c.certPem, key: c.keyPem, minVersion: this.o.tlsMinVersion ?? 'TLSv1.2' });
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

  /** Listening, not draining, and the ServiceAccount source synced. */
  get ready(): boolean {
    return this.server.listening && !this.draining && this.o.source.ready;
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

  private readonly onResponseClose = (): void => {
    this.inFlight--;
    if (this.inFlight === 0 && this.idle) this.idle();
  };

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const start = performance.now();
    this.inFlight++;
    // A response emits 'close' once (finished or aborted); one shared handler, no closure per request.
    res.on('close', this.onResponseClose);
    if (this.draining) res.setHeader('connection', 'close');
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path === '/mutate') {
      if (req.method !== 'POST') {
        this.send(res, path, start, 405, TEXT_TYPE, 'use POST\n');
        return;
      }
      this.receive(req, res, start);
      return;
    }
    if (path === '/healthz' || path === '/livez') {
      this.send(res, '/healthz', start, 200, TEXT_TYPE, 'ok\n');
      return;
    }
    if (path === '/readyz') {
      if (this.ready) {
        this.send(res, path, start, 200, TEXT_TYPE, 'ok\n');
        return;
      }
      const why = this.draining ? 'shutting down' : 'ServiceAccount source not synced yet';
      this.send(res, path, start, 503, TEXT_TYPE, `not ready: ${why}\n`);
      return;
    }
    this.send(res, path, start, 404, TEXT_TYPE, 'not found\n');
  }

  private receive(req: IncomingMessage, res: ServerResponse, start: number): void {
    const type = req.headers['content-type'];
    // The API server sends exactly `application/json`; anything else is parsed as a media type.
    if (type !== JSON_TYPE && (type === undefined || type.split(';', 1)[0].trim().toLowerCase() !== JSON_TYPE)) {
      this.send(res, '/mutate', start, 415, TEXT_TYPE, BAD_CONTENT_TYPE);
      return;
    }
    readBody(req, this.o.maxBodyBytes, (body) => {
      if (body === undefined) {
        this.tooLarge(req, res, start);
        return;
      }
      try {
        this.review(body, res, start);
      } catch (e) {
        // Only a bug in this file gets here (review() answers its own errors); never leave the API server hanging.
        this.o.log.warn({ err: (e as Error).message }, 'unexpected error answering an AdmissionReview');
        if (!res.headersSent) this.send(res, '/mutate', start, 500, TEXT_TYPE, 'internal error\n');
      }
    });
    // An aborted request calls neither way (read-body.ts); res 'close' still accounts for it.
  }

  /** 413 without reading the rest: the connection is closed, since the unread body is still on it. */
  private tooLarge(req: IncomingMessage, res: ServerResponse, start: number): void {
    res.setHeader('connection', 'close');
    req.pause();
    this.send(res, '/mutate', start, 413, TEXT_TYPE, `request body larger than ${this.o.maxBodyBytes} bytes\n`);
    res.once('finish', () => req.socket.destroySoon());
  }

  /** Synchronous unless the ServiceAccount has to be looked up: the common case answers in the same tick. */
  private review(body: Buffer, res: ServerResponse, start: number): void {
    let review: DecodedReview;
    try {
      review = decodeReview(body);
    } catch (e) {
      if (!(e instanceof BadReview)) throw e;
      this.o.log.warn({ reason: e.message }, 'rejected a request that is not an AdmissionReview (HTTP 400)');
      this.send(res, '/mutate', start, 400, TEXT_TYPE, `${e.message}\n`);
      return;
    }
    const { request } = review;
    if (!isPod(request)) {
      this.o.metrics.skipped('not-a-pod');
      if (this.debug) {
        this.o.log.debug(
          { uid: request.uid, kind: request.kind ?? request.object.kind, skipped: 'not a Pod' },
          'admission',
        );
      }
      const out = this.writeReview(review, request.uid, { allowed: true });
      this.send(res, '/mutate', start, 200, JSON_TYPE, out.text, out.bytes);
      return;
    }
    const pod = request.object;
    const spec = (pod.spec ?? {}) as Record<string, unknown>;
    const namespace = request.namespace || (pod.metadata?.namespace as string | undefined) || 'default';
    const saName =
      (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName) ||
      (typeof spec.serviceAccount === 'string' && spec.serviceAccount) ||
      'default';
    const src = this.o.source;
    const sa = src.get(namespace, saName);
    // A pod created together with its ServiceAccount can reach us before the informer has it (EKS webhook #174).
    if (sa === undefined && src.lookup && this.o.lookupGraceMs > 0) {
      src.lookup(namespace, saName, this.o.lookupGraceMs).then(
        (found) => this.answerPod(review, res, start, namespace, saName, found),
        (e: unknown) => this.answerPod(review, res, start, namespace, saName, undefined, e),
      );
      return;
    }
    this.answerPod(review, res, start, namespace, saName, sa);
  }

  private answerPod(
    review: DecodedReview,
    res: ServerResponse,
    start: number,
    namespace: string,
    saName: string,
    sa: KubeObject | undefined,
    lookupError?: unknown,
  ): void {
    const { request } = review;
    let answer: AdmissionAnswer;
    let logged: Record<string, unknown> | undefined;
    try {
      if (lookupError !== undefined) throw lookupError;
      const missing = sa === undefined;
      if (missing) this.o.metrics.missingServiceAccounts.inc();
      const result = this.mutate(request.object, sa, this.settings, {
        namespace,
        resolveServiceAccount: this.resolveServiceAccount,
      });
      answer = { allowed: true, patch: result.patch, warnings: result.warnings };
      if (result.patch.length > 0) this.o.metrics.mutated(result.mode);
      else this.o.metrics.skipped(missing ? 'no-service-account' : skipReason(result.skipped ?? ''));
      if (result.warnings.length > 0) this.o.metrics.warned(result.warnings.length);
      // With the API as source a missing ServiceAccount is an anomaly worth a line; a file lists only some.
      const notable = missing && this.o.source.lookup !== undefined;
      if (this.debug || notable) {
        logged = {
          uid: request.uid,
          namespace,
          pod: podName(request.object),
          serviceAccount: saName,
          mutated: result.patch.length > 0,
          skipped: result.skipped,
          warnings: result.warnings.length > 0 ? result.warnings : undefined,
        };
      }
      if (notable) {
        this.o.log.info(logged, 'ServiceAccount not found: pod admitted without credentials');
        logged = undefined;
      }
    } catch (e) {
      this.o.metrics.internalErrors.inc();
      const message = `irsa webhook internal error: ${(e as Error).message}`;
      this.o.log.warn(
        { uid: request.uid, namespace, pod: podName(request.object), err: (e as Error).message },
        this.o.failClosed ? 'internal error: pod denied (--fail-closed)' : 'internal error: pod admitted unmutated',
      );
      answer = this.o.failClosed
        ? { allowed: false, status: { code: 500, message } }
        : { allowed: true, warnings: [`${message}; pod admitted without AWS credentials injected`] };
    }
    const out = this.writeReview(review, request.uid, answer);
    if (logged) this.o.log.debug({ ...logged, ms: Math.round((performance.now() - start) * 100) / 100 }, 'admission');
    this.send(res, '/mutate', start, 200, JSON_TYPE, out.text, out.bytes);
  }

  /** `bytes`: the body's UTF-8 length, when known (the review writer sums it from its parts). */
  private send(
    res: ServerResponse,
    path: string,
    start: number,
    code: number,
    type: string,
    body: string,
    bytes = Buffer.byteLength(body),
  ): void {
    // Flat header array: no object per response.
    res.writeHead(code, ['content-type', type, 'content-length', String(bytes)]);
    // As many bytes as characters: ASCII, whose Latin-1 bytes are its UTF-8 bytes, and Node writes Latin-1 with a
    // copy where UTF-8 is encoded: 290–310 ns instead of 400–440 ns for the benchmark's answer with its headers.
    res.end(body, bytes === body.length ? 'latin1' : 'utf8');
    this.o.metrics.request(path, code, (performance.now() - start) / 1000);
  }
}

/** Settings are a value: frozen, so what the ServiceAccount memo derived from them stays true. */
function frozenSettings(settings: WebhookSettings): WebhookSettings {
  const cc = settings.containerCredentials;
  if (cc) {
    for (const identity of cc.identities) Object.freeze(identity);
    Object.freeze(cc.identities);
    Object.freeze(cc);
  }
  if (settings.composeRoleArn) Object.freeze(settings.composeRoleArn);
  return Object.freeze(settings);
}

function podName(pod: KubeObject): string | undefined {
  const md = pod.metadata;
  if (md?.name) return md.name;
  const gen = md?.generateName;
  return typeof gen === 'string' ? `${gen}*` : undefined;
}
