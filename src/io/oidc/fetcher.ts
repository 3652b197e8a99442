/**
 * The IssuerKeySource the validation core is given: fetches `<iss>/.well-known/openid-configuration`, then its
 * `jwks_uri`, over HTTPS only, with AWS-like limits (reference §B2, §F1; our choices are listed in
 * core/sts/aws-errors.ts U7 and U11), caches by Cache-Control and re-fetches on an unknown kid at most once per
 * issuer per interval (so a flood of invented kids cannot turn into a flood of fetches).
 *
 * TLS trust as AWS does it: a chain valid against the trusted CAs (Node's roots, NODE_EXTRA_CA_CERTS, `trustCa`)
 * is trusted; otherwise the core compares the served chain's thumbprint with the provider's.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { certificateThumbprint, pemCertificatesToDer } from '../../core/aws/thumbprint.js';
import { isObject } from '../../core/json/is-object.js';
import type { IssuerKeySource, IssuerKeysResult, TlsObservation } from '../../core/sts/types.js';
import { type CachePolicy, cachePolicy } from './cache-control.js';
import { type HttpsGetOptions, type HttpsGetResult, httpsGet, probeTls } from './https-get.js';

export interface OidcFetcherOptions {
  /** Per document: TLS connection established within (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Per document: complete answer within (default 5000 ms; AWS KC: "latency of more than 5 seconds"). */
  totalTimeoutMs?: number;
  /** Per document (default 128 KiB). */
  maxBytes?: number;
  /** https → https redirects followed per document (default 3). */
  maxRedirects?: number;
  /** Extra trusted CAs, PEM texts (e.g. the contents of --trust-ca files). */
  trustCa?: string[];
  /** Cache lifetime without Cache-Control (default 300 s). */
  defaultTtlSeconds?: number;
  /** Upper bound on any cache lifetime (default 3600 s). */
  maxTtlSeconds?: number;
  /** Minimum time between kid-miss refreshes of one issuer (default 10000 ms). */
  minRefreshIntervalMs?: number;
  /** Injectable clock (ms since epoch). */
  now?: () => number;
}

/** What the fetcher records about one document, for doctor (`details.documents`). */
export interface DocumentRecord {
  kind: 'discovery' | 'jwks';
  url: string;
  finalUrl: string;
  redirects: string[];
  status: number;
  contentType?: string;
  cacheControl?: string;
  pragma?: string;
  /** The `Age` header a cache in front adds (seconds the copy has been held). */
  age?: string;
  cache: CachePolicy;
  bytes: number;
  elapsedMs: number;
}

interface CacheEntry {
  result: Extract<IssuerKeysResult, { ok: true }>;
  fetchedAt: number;
  expiresAt: number;
}

export const WELL_KNOWN_PATH = '/.well-known/openid-configuration';

/**
 * Discovery URL as STS builds it: plain concatenation, so an issuer with a trailing slash yields
 * `https://host//.well-known/openid-configuration` (reference F9; our choice U11).
 */
export function discoveryUrl(issuer: string): string {
  return `${issuer}${WELL_KNOWN_PATH}`;
}

export class OidcKeyFetcher implements IssuerKeySource {
  readonly #o: Required<Omit<OidcFetcherOptions, 'trustCa' | 'now'>>;
  readonly #now: () => number;
  readonly #http: HttpsGetOptions;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #lastRefresh = new Map<string, number>();
  readonly #inflight = new Map<string, Promise<IssuerKeysResult>>();

  constructor(options: OidcFetcherOptions = {}) {
    this.#o = {
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      totalTimeoutMs: options.totalTimeoutMs ?? 5000,
      maxBytes: options.maxBytes ?? 128 * 1024,
      maxRedirects: options.maxRedirects ?? 3,
      defaultTtlSeconds: options.defaultTtlSeconds ?? 300,
      maxTtlSeconds: options.maxTtlSeconds ?? 3600,
      minRefreshIntervalMs: options.minRefreshIntervalMs ?? 10_000,
    };
    this.#now = options.now ?? Date.now;
    const trustCa = options.trustCa ?? [];
    const envCa = readExtraCaFile();
    // With no extra CAs Node's default store already holds the bundled roots and NODE_EXTRA_CA_CERTS; passing `ca`
    // replaces that store, so then it has to list all three.
    const ca = trustCa.length ? [...tls.rootCertificates, ...envCa, ...trustCa] : undefined;
    const anchors = new Set<string>();
    const privateAnchors = new Set<string>();
    for (const pem of [...tls.rootCertificates, ...envCa, ...trustCa]) {
      for (const der of pemCertificatesToDer(pem)) anchors.add(certificateThumbprint(der));
    }
    for (const pem of [...envCa, ...trustCa]) {
      for (const der of pemCertificatesToDer(pem)) privateAnchors.add(certificateThumbprint(der));
    }
    this.#http = {
      connectTimeoutMs: this.#o.connectTimeoutMs,
      totalTimeoutMs: this.#o.totalTimeoutMs,
      maxBytes: this.#o.maxBytes,
      maxRedirects: this.#o.maxRedirects,
      ca,
      anchorThumbprints: anchors,
      privateAnchorThumbprints: privateAnchors,
    };
  }

  async getKeys(issuerUrl: string, options: { refresh?: boolean } = {}): Promise<IssuerKeysResult> {
    const now = this.#now();
    const entry = this.#cache.get(issuerUrl);
    if (options.refresh) {
      const last = this.#lastRefresh.get(issuerUrl);
      const allowed = last === undefined || now - last >= this.#o.minRefreshIntervalMs;
      if (!allowed && entry && now < entry.expiresAt) return entry.result;
      if (allowed) this.#lastRefresh.set(issuerUrl, now);
      if (allowed) return this.#fetchOnce(issuerUrl);
    }
    if (entry && now < entry.expiresAt) return entry.result;
    return this.#fetchOnce(issuerUrl);
  }

  /**
   * The TLS facts of `url`'s server with this fetcher's trust settings: `thumbprint` is what to register on the IAM
   * provider (the last certificate of the served chain).
   */
  probe(url: string): Promise<TlsObservation> {
    return probeTls(url, {
      ca: this.#http.ca,
      anchorThumbprints: this.#http.anchorThumbprints,
      timeoutMs: this.#o.connectTimeoutMs,
    });
  }

  /**
   * One document as served, bytes and headers, uncached and unparsed, with this fetcher's limits and trust: what
   * provisioning reads back after publishing to compare with what it wrote.
   */
  fetchRaw(url: string): Promise<HttpsGetResult> {
    return httpsGet(url, this.#http);
  }

  /** Forget everything cached (tests, sandbox state resets). */
  clear(): void {
    this.#cache.clear();
    this.#lastRefresh.clear();
  }

  /** One fetch per issuer at a time: concurrent callers share it. */
  #fetchOnce(issuer: string): Promise<IssuerKeysResult> {
    let p = this.#inflight.get(issuer);
    if (!p) {
      p = this.#fetch(issuer).finally(() => this.#inflight.delete(issuer));
      this.#inflight.set(issuer, p);
    }
    return p;
  }

  async #fetch(issuer: string): Promise<IssuerKeysResult> {
    const fetchedAt = this.#now();
    const documents: DocumentRecord[] = [];
    const discoveryAt = discoveryUrl(issuer);
    const d = await this.#getJson(discoveryAt, 'discovery', documents);
    if (!d.ok) return d;
    const discovery = d.json;
    if (!isObject(discovery))
      return fail('discovery-invalid', `${discoveryAt}: not a JSON object`, discoveryAt, documents);
    const jwksUri = discovery.jwks_uri;
    if (typeof jwksUri !== 'string' || jwksUri === '') {
      return fail('discovery-invalid', `${discoveryAt}: no "jwks_uri"`, discoveryAt, documents);
    }
    if (!/^https:\/\//i.test(jwksUri)) {
      return fail('jwks-uri-not-https', `${discoveryAt}: jwks_uri ${jwksUri} is not https`, jwksUri, documents);
    }
    const j = await this.#getJson(jwksUri, 'jwks', documents);
    if (!j.ok) return j;
    const jwks = j.json;
    if (!isObject(jwks) || !Array.isArray(jwks.keys)) {
      return fail('jwks-invalid', `${jwksUri}: not a JWK set ({"keys":[…]})`, jwksUri, documents);
    }
    const keys = jwks.keys.filter(isObject);
    const tlsFacts: TlsObservation[] = [d.tls, j.tls];
    const ttlSeconds = Math.min(...documents.map((x) => x.cache.ttlSeconds));
    const result: Extract<IssuerKeysResult, { ok: true }> = {
      ok: true,
      discovery,
      jwks: { keys },
      chainTrusted: tlsFacts.every((t) => t.trusted),
      servedThumbprints: [...new Set(tlsFacts.map((t) => t.thumbprint).filter(Boolean))],
      tls: tlsFacts,
      details: { discoveryUrl: discoveryAt, jwksUri, fetchedAt, ttlSeconds, documents },
    };
    if (ttlSeconds > 0) {
      this.#cache.set(issuer, { result, fetchedAt, expiresAt: fetchedAt + ttlSeconds * 1000 });
    } else {
      this.#cache.delete(issuer);
    }
    return result;
  }

  async #getJson(
    url: string,
    kind: DocumentRecord['kind'],
    documents: DocumentRecord[],
  ): Promise<{ ok: true; json: unknown; tls: TlsObservation } | Extract<IssuerKeysResult, { ok: false }>> {
    const r: HttpsGetResult = await httpsGet(url, this.#http);
    if (!r.ok) return fail(r.reason, `${kind}: ${r.detail}`, url, documents);
    const header = (name: string) => {
      const v = r.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    };
    const record: DocumentRecord = {
      kind,
      url,
      finalUrl: r.finalUrl,
      redirects: r.redirects,
      status: r.status,
      contentType: header('content-type'),
      cacheControl: header('cache-control'),
      pragma: header('pragma'),
      ...(header('age') !== undefined ? { age: header('age') } : {}),
      cache: cachePolicy(header('cache-control'), header('pragma'), {
        defaultTtlSeconds: this.#o.defaultTtlSeconds,
        maxTtlSeconds: this.#o.maxTtlSeconds,
      }),
      bytes: r.body.length,
      elapsedMs: r.elapsedMs,
    };
    documents.push(record);
    let json: unknown;
    try {
      json = JSON.parse(r.body.toString('utf8'));
    } catch {
      return fail(
        'not-json',
        `${kind}: ${r.finalUrl} is not JSON (content-type ${record.contentType ?? 'none'})`,
        url,
        documents,
      );
    }
    return { ok: true, json, tls: r.tls };
  }
}

function fail(
  reason: string,
  detail: string,
  url: string,
  documents: DocumentRecord[],
): Extract<IssuerKeysResult, { ok: false }> {
  return { ok: false, reason, detail, url, details: { documents } };
}

function readExtraCaFile(): string[] {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return [readFileSync(file, 'utf8')];
  } catch {
    return []; // Node itself only warns about an unreadable file.
  }
}
