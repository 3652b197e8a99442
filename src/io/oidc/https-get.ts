/**
 * One HTTPS GET of a small JSON document the way STS fetches OIDC metadata: https only (redirects included), a
 * connect and a total timeout, a byte cap that stops reading early, and the TLS facts of the answering server
 * (chain trusted or not, thumbprint of the served chain). node:https directly, because fetch() hides the chain.
 */
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import tls, { type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { certificateThumbprint, topIntermediateThumbprint } from '../../core/aws/thumbprint.js';
import type { TlsObservation } from '../../core/sts/types.js';
import { isConnectFailure, isTlsFailure } from '../system-errors.js';

export interface HttpsGetOptions {
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  /** Explicit CA list (PEM); undefined = Node's default store (bundled roots + NODE_EXTRA_CA_CERTS). */
  ca?: string[];
  /** SHA-1 (upper hex) of every trust anchor, so a root Node appended from its store is not taken as served. */
  anchorThumbprints: Set<string>;
}

export type FetchFailureReason =
  | 'not-https'
  | 'redirect-not-https'
  | 'too-many-redirects'
  | 'connect'
  | 'timeout'
  | 'tls'
  | 'network'
  | 'http-status'
  | 'too-large';

export type HttpsGetResult =
  | {
      ok: true;
      url: string;
      finalUrl: string;
      redirects: string[];
      status: number;
      headers: IncomingMessage['headers'];
      body: Buffer;
      tls: TlsObservation;
      elapsedMs: number;
    }
  | { ok: false; reason: FetchFailureReason; detail: string; url: string };

export async function httpsGet(url: string, options: HttpsGetOptions): Promise<HttpsGetResult> {
  const started = Date.now();
  const redirects: string[] = [];
  let current = url;
  for (;;) {
    if (!/^https:\/\//i.test(current)) {
      return redirects.length
        ? { ok: false, reason: 'redirect-not-https', detail: `${redirects.at(-1)} redirects to ${current}`, url }
        : { ok: false, reason: 'not-https', detail: `${current} is not an https URL`, url };
    }
    const remaining = options.totalTimeoutMs - (Date.now() - started);
    if (remaining <= 0)
      return { ok: false, reason: 'timeout', detail: `${url}: no answer within ${options.totalTimeoutMs} ms`, url };
    const r = await getOnce(current, { ...options, totalTimeoutMs: remaining });
    if (!r.ok) return { ...r, url };
    if (r.location !== undefined) {
      if (redirects.length >= options.maxRedirects) {
        return {
          ok: false,
          reason: 'too-many-redirects',
          detail: `${url}: more than ${options.maxRedirects} redirects`,
          url,
        };
      }
      redirects.push(current);
      current = new URL(r.location, current).toString();
      continue;
    }
    return {
      ok: true,
      url,
      finalUrl: current,
      redirects,
      status: r.status,
      headers: r.headers,
      body: r.body,
      tls: r.tls,
      elapsedMs: Date.now() - started,
    };
  }
}

type OnceResult =
  | {
      ok: true;
      status: number;
      headers: IncomingMessage['headers'];
      body: Buffer;
      tls: TlsObservation;
      location?: string;
    }
  | { ok: false; reason: FetchFailureReason; detail: string };

function getOnce(url: string, o: HttpsGetOptions): Promise<OnceResult> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    let settled = false;
    const finish = (r: OnceResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(totalTimer);
      clearTimeout(connectTimer);
      resolve(r);
      req.destroy();
    };
    const req = https.request({
      method: 'GET',
      host,
      port: u.port || 443,
      path: `${u.pathname}${u.search}`,
      servername: isIP(host) ? undefined : host,
      // Verification is judged below (socket.authorized), as AWS falls back to thumbprints for untrusted chains.
      rejectUnauthorized: false,
      ca: o.ca,
      agent: false,
      headers: { accept: 'application/json', 'user-agent': 'irsa-anywhere' },
    });
    const totalTimer = setTimeout(
      () =>
        finish({ ok: false, reason: 'timeout', detail: `${url}: no complete answer within ${o.totalTimeoutMs} ms` }),
      o.totalTimeoutMs,
    );
    const connectTimer = setTimeout(
      () =>
        finish({
          ok: false,
          reason: 'timeout',
          detail: `${url}: TLS connection not established within ${o.connectTimeoutMs} ms`,
        }),
      Math.min(o.connectTimeoutMs, o.totalTimeoutMs),
    );
    req.on('socket', (socket) => socket.once('secureConnect', () => clearTimeout(connectTimer)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? '';
      const reason: FetchFailureReason = isConnectFailure(e)
        ? 'connect'
        : isTlsFailure(e) || /ssl|tls/i.test(e.message)
          ? 'tls'
          : 'network';
      finish({ ok: false, reason, detail: `${url}: ${e.message}${code ? ` (${code})` : ''}` });
    });
    req.on('response', (res) => {
      const tls = observeTls(url, res.socket as TLSSocket, o.anchorThumbprints);
      const status = res.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
        finish({ ok: true, status, headers: res.headers, body: Buffer.alloc(0), tls, location: res.headers.location });
        return;
      }
      if (status !== 200) {
        finish({ ok: false, reason: 'http-status', detail: `${url}: HTTP ${status}` });
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > o.maxBytes) {
        finish({ ok: false, reason: 'too-large', detail: `${url}: ${declared} bytes declared, limit ${o.maxBytes}` });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > o.maxBytes) {
          finish({ ok: false, reason: 'too-large', detail: `${url}: more than ${o.maxBytes} bytes` });
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => finish({ ok: true, status, headers: res.headers, body: Buffer.concat(chunks), tls }));
      res.on('error', (e) => finish({ ok: false, reason: 'network', detail: `${url}: ${e.message}` }));
    });
    req.end();
  });
}

/**
 * Connects (TLS only, nothing sent) and reports the served chain: what IAM thumbprints when a provider is created
 * without a ThumbprintList, and what doctor shows. Same chain rules as the fetcher.
 */
export function probeTls(
  url: string,
  options: Pick<HttpsGetOptions, 'ca' | 'anchorThumbprints'> & { timeoutMs?: number },
): Promise<TlsObservation> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port: Number(u.port || 443),
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      ca: options.ca,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${url}: TLS connection not established within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const observation = observeTls(url, socket, options.anchorThumbprints);
      socket.destroy();
      resolve(observation);
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    });
  });
}

/** The served chain (leaf first) and whether it verified against the trusted CAs, host name included. */
function observeTls(url: string, socket: TLSSocket, anchors: Set<string>): TlsObservation {
  const chain: DetailedPeerCertificate[] = [];
  const seen = new Set<string>();
  let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (c?.raw && !seen.has(c.fingerprint256)) {
    chain.push(c);
    seen.add(c.fingerprint256);
    c = c.issuerCertificate;
  }
  // Node completes the chain with a root from its own store; that root was not served (s_client would not show it).
  while (chain.length > 1 && anchors.has(certificateThumbprint(chain[chain.length - 1].raw))) chain.pop();
  const observation: TlsObservation = {
    url,
    trusted: socket.authorized === true,
    thumbprint: chain.length ? topIntermediateThumbprint(chain.map((x) => x.raw)) : '',
    chainSubjects: chain.map((x) => subjectLine(x)),
  };
  if (!socket.authorized && socket.authorizationError)
    observation.authorizationError = String(socket.authorizationError);
  return observation;
}

function subjectLine(c: DetailedPeerCertificate): string {
  const s = c.subject as unknown as Record<string, string | string[]> | undefined;
  if (!s) return '';
  return Object.entries(s)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}
