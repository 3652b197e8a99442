/**
 * One HTTPS GET of a small JSON document the way STS fetches OIDC metadata: https only (redirects included), a
 * connect and a total timeout, a byte cap that stops reading early, and the TLS facts of the answering server
 * (chain trusted or not, thumbprint of the served chain). node:https directly, because fetch() hides the chain.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import tls, { type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { certificateThumbprint, topIntermediateThumbprint } from '../../core/aws/thumbprint.js';
import { E, IrsaError } from '../../core/errors.js';
import type { TlsObservation } from '../../core/sts/types.js';
import { httpRequest, type RequestFailureReason } from '../http/request.js';
import { systemErrorWords } from '../system-errors.js';

export interface HttpsGetOptions {
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  /** Explicit CA list (PEM); undefined = Node's default store (bundled roots + NODE_EXTRA_CA_CERTS). */
  ca?: string[];
  /** SHA-1 (upper hex) of every trust anchor, so a root Node appended from its store is not taken as served. */
  anchorThumbprints: Set<string>;
  /**
   * The anchors that are not Node's public roots (--trust-ca, NODE_EXTRA_CA_CERTS): when one of them ends the chain
   * Node reports, whether the server sent it cannot be told, so the served chain is read again (see servedChain).
   */
  privateAnchorThumbprints?: Set<string>;
}

export type FetchFailureReason =
  | RequestFailureReason
  | 'not-https'
  | 'redirect-not-https'
  | 'too-many-redirects'
  | 'http-status';

export type HttpsGetResult =
  | {
      ok: true;
      url: string;
      finalUrl: string;
      redirects: string[];
      status: number;
      headers: IncomingHttpHeaders;
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
    if (!/^https:\/\//i.test(current) || !URL.canParse(current)) {
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
      current = URL.canParse(r.location, current) ? new URL(r.location, current).toString() : r.location;
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
      headers: IncomingHttpHeaders;
      body: Buffer;
      tls: TlsObservation;
      location?: string;
    }
  | { ok: false; reason: FetchFailureReason; detail: string };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One request, no redirect followed: a redirect comes back as its `location`, any status but 200 as a failure. */
async function getOnce(url: string, o: HttpsGetOptions): Promise<OnceResult> {
  const r = await httpRequest(new URL(url), requestOptions(url, o), o, {
    observe: (res) => observeTls(url, res.socket as TLSSocket, o.anchorThumbprints),
    // Only a 200's body is read: a redirect's or an error page's is never looked at.
    wantsBody: (res) => res.statusCode === 200,
  });
  if (!r.ok) return { ok: false, reason: r.reason, detail: `${url}: ${r.detail}` };
  const { status, headers, body } = r;
  const privateAnchors = o.privateAnchorThumbprints ?? new Set<string>();
  const ambiguous = r.observed.popped.some((t) => privateAnchors.has(t));
  const tls = ambiguous ? await withServedChain(r.observed.observation, o.connectTimeoutMs) : r.observed.observation;
  if (REDIRECTS.has(status) && headers.location)
    return { ok: true, status, headers, body, tls, location: headers.location };
  if (status !== 200) return { ok: false, reason: 'http-status', detail: `${url}: HTTP ${status}` };
  return { ok: true, status, headers, body, tls };
}

function requestOptions(url: string, o: HttpsGetOptions): RequestOptions {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return {
    method: 'GET',
    servername: isIP(host) ? undefined : host,
    // Verification is judged from the socket (observeTls), as AWS falls back to thumbprints for untrusted chains.
    rejectUnauthorized: false,
    ca: o.ca,
    agent: false,
    headers: { accept: 'application/json', 'user-agent': 'irsa-anywhere' },
  };
}

/**
 * Connects (TLS only, nothing sent) and reports the served chain: what IAM thumbprints when a provider is created
 * without a ThumbprintList, and what doctor shows. Same chain rules as the fetcher, except that the thumbprint is
 * always of what the server sent (see servedChain). Rejects with ERR_ISSUER_UNREACHABLE when no TLS connection
 * comes up.
 */
export async function probeTls(
  url: string,
  options: Pick<HttpsGetOptions, 'ca' | 'anchorThumbprints'> & { timeoutMs?: number },
): Promise<TlsObservation> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const socket = await connectTls(url, options.ca, timeoutMs);
  const { observation, popped } = observeTls(url, socket, options.anchorThumbprints);
  socket.destroy();
  return popped.length ? withServedChain(observation, timeoutMs) : observation;
}

/** A TLS connection to `url`'s host (nothing sent); rejects with ERR_ISSUER_UNREACHABLE, never hangs. */
function connectTls(url: string, ca: string[] | undefined, timeoutMs: number): Promise<TLSSocket> {
  if (!URL.canParse(url)) return Promise.reject(new IrsaError(E.ERR_ISSUER_UNREACHABLE, `${url} is not a URL`));
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port: Number(u.port || 443),
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      ca,
    });
    const fail = (words: string) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new IrsaError(E.ERR_ISSUER_UNREACHABLE, `${url}: ${words}`));
    };
    const timer = setTimeout(() => fail(`TLS connection not established within ${timeoutMs} ms`), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (e) => fail(systemErrorWords(e)));
  });
}

/**
 * The observation with its thumbprint and subjects taken from the certificates the server actually sent. Node
 * completes the chain it reports with issuers from its trust store, and a trusted root the server also sent looks
 * the same as one Node appended; connecting again with an EMPTY trust store (`ca: []`) leaves Node nothing to
 * append, so that chain is exactly what was sent. If that second connection fails, the first reading stays.
 */
async function withServedChain(observation: TlsObservation, timeoutMs: number): Promise<TlsObservation> {
  let socket: TLSSocket;
  try {
    socket = await connectTls(observation.url, [], timeoutMs);
  } catch {
    return observation;
  }
  const chain = peerChain(socket);
  socket.destroy();
  if (chain.length === 0) return observation;
  return {
    ...observation,
    thumbprint: topIntermediateThumbprint(chain.map((x) => x.raw)),
    chainSubjects: chain.map((x) => subjectLine(x)),
    ...earliestExpiry(chain),
  };
}

/** The first of the chain's certificates to expire, as `notAfter` (none for an empty chain). */
function earliestExpiry(chain: DetailedPeerCertificate[]): { notAfter?: string } {
  const times = chain.map((c) => Date.parse(c.valid_to)).filter((t) => Number.isFinite(t));
  return times.length ? { notAfter: new Date(Math.min(...times)).toISOString() } : {};
}

/** The chain Node reports (leaf first), following issuer links until they repeat. */
function peerChain(socket: TLSSocket): DetailedPeerCertificate[] {
  const chain: DetailedPeerCertificate[] = [];
  const seen = new Set<string>();
  let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (c?.raw && !seen.has(c.fingerprint256)) {
    chain.push(c);
    seen.add(c.fingerprint256);
    c = c.issuerCertificate;
  }
  return chain;
}

/**
 * The served chain (leaf first) and whether it verified against the trusted CAs, host name included; `popped`
 * names (SHA-1) the trust anchors taken off its end as appended by Node rather than sent.
 */
function observeTls(
  url: string,
  socket: TLSSocket,
  anchors: Set<string>,
): { observation: TlsObservation; popped: string[] } {
  const chain = peerChain(socket);
  const popped: string[] = [];
  // Node completes the chain with a root from its own store; that root was not served (s_client would not show it).
  while (chain.length > 1 && anchors.has(certificateThumbprint(chain[chain.length - 1].raw))) {
    popped.push(certificateThumbprint((chain.pop() as DetailedPeerCertificate).raw));
  }
  const observation: TlsObservation = {
    url,
    trusted: socket.authorized === true,
    thumbprint: chain.length ? topIntermediateThumbprint(chain.map((x) => x.raw)) : '',
    chainSubjects: chain.map((x) => subjectLine(x)),
    ...earliestExpiry(chain),
  };
  if (!socket.authorized && socket.authorizationError)
    observation.authorizationError = String(socket.authorizationError);
  return { observation, popped };
}

function subjectLine(c: DetailedPeerCertificate): string {
  const s = c.subject as unknown as Record<string, string | string[]> | undefined;
  if (!s) return '';
  return Object.entries(s)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}
