/**
 * The one outgoing HTTP(S) request of the project: every request that leaves the process is sent here (issuer
 * documents through io/oidc/https-get.ts, Kubernetes API reads through io/kube/client.ts; the typed Kubernetes
 * client and the AWS SDK send their own). It adds what node:http(s) lacks: a connect and a total timeout, a byte
 * cap that stops reading early (io/http/read-body.ts), and failures as a reason and words instead of thrown errors.
 * node:http(s) directly, because fetch() hides the TLS socket (the served chain the OIDC fetcher reports).
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https, { type RequestOptions } from 'node:https';
import type { Socket } from 'node:net';
import { isConnectFailure, isTlsFailure, systemErrorWords } from '../system-errors.js';
import { readBody } from './read-body.js';

export interface RequestLimits {
  /** Connection (TLS handshake included) established within; default: the total timeout. */
  connectTimeoutMs?: number;
  /** Complete answer (status, headers and body) within. */
  totalTimeoutMs: number;
  /** Largest body read; a larger one is a `too-large` failure. */
  maxBytes: number;
}

export type RequestFailureReason = 'connect' | 'timeout' | 'tls' | 'network' | 'too-large';

/** Why no answer was had, in words (the caller names the URL). */
export interface RequestFailure {
  ok: false;
  reason: RequestFailureReason;
  detail: string;
}

export interface HttpAnswer<T> {
  ok: true;
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as served (empty when `wantsBody` declined it). */
  body: Buffer;
  /** What `observe` returned for this answer. */
  observed: T;
}

export interface RequestHooks<T> {
  /** Called once the status and headers arrive, while the socket is still open (e.g. to record the TLS facts). */
  observe?(res: IncomingMessage): T;
  /** Whether to read this answer's body (default: yes); one not read is dropped with its connection. */
  wantsBody?(res: IncomingMessage): boolean;
}

/** node's request options, plus the body to send (a PATCH's); none: an empty body. */
export type HttpRequestOptions = RequestOptions & { body?: Buffer | string };

export function httpRequest<T = undefined>(
  url: URL,
  requestOptions: HttpRequestOptions,
  limits: RequestLimits,
  hooks: RequestHooks<T> = {},
): Promise<HttpAnswer<T> | RequestFailure> {
  return new Promise((resolve) => {
    const send = url.protocol === 'http:' ? http.request : https.request;
    let settled = false;
    /** Settles once; `drop` closes the connection (a failure, or a body left unread). */
    const finish = (r: HttpAnswer<T> | RequestFailure, drop: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(totalTimer);
      clearTimeout(connectTimer);
      resolve(r);
      if (drop) req.destroy();
    };
    const fail = (reason: RequestFailureReason, detail: string) => finish({ ok: false, reason, detail }, true);
    const { body: requestBody, ...options } = requestOptions;
    const req = send(url, options);
    const totalTimer = setTimeout(
      () => fail('timeout', `no complete answer within ${limits.totalTimeoutMs} ms`),
      limits.totalTimeoutMs,
    );
    const connectMs = Math.min(limits.connectTimeoutMs ?? limits.totalTimeoutMs, limits.totalTimeoutMs);
    const connectTimer = setTimeout(
      () => fail('timeout', `connection not established within ${connectMs} ms`),
      connectMs,
    );
    req.on('socket', (socket) => onConnected(socket, url.protocol !== 'http:', () => clearTimeout(connectTimer)));
    req.on('error', (e) => fail(...failureOf(e)));
    req.on('response', (res) => {
      const observed = hooks.observe ? hooks.observe(res) : (undefined as T);
      const answer = { ok: true as const, status: res.statusCode ?? 0, headers: res.headers, observed };
      if (hooks.wantsBody && !hooks.wantsBody(res)) {
        finish({ ...answer, body: Buffer.alloc(0) }, true);
        return;
      }
      res.on('error', (e) => fail('network', `the answer broke off (${systemErrorWords(e)})`));
      readBody(res, limits.maxBytes, (body) => {
        if (body) finish({ ...answer, body }, false);
        else fail('too-large', tooLargeWords(res, limits.maxBytes));
      });
    });
    req.end(requestBody);
  });
}

/** Calls `connected` once the connection is up (TLS: handshake done). */
function onConnected(socket: Socket, secure: boolean, connected: () => void): void {
  // An agent's kept-alive socket was connected (and handshaken) for an earlier request.
  if (!socket.connecting) connected();
  else socket.once(secure ? 'secureConnect' : 'connect', connected);
}

function failureOf(e: Error): [RequestFailureReason, string] {
  if (isConnectFailure(e)) return ['connect', systemErrorWords(e)];
  // Some handshake failures carry no TLS code, only OpenSSL's words.
  if (isTlsFailure(e) || /ssl|tls/i.test(e.message)) return ['tls', `TLS failed (${systemErrorWords(e)})`];
  return ['network', systemErrorWords(e)];
}

function tooLargeWords(res: IncomingMessage, maxBytes: number): string {
  const declared = Number(res.headers['content-length'] ?? -1);
  return declared > maxBytes ? `${declared} bytes declared, limit ${maxBytes}` : `more than ${maxBytes} bytes`;
}
