/**
 * The public copy three ways, all through the one HTTP path (io/http, with its timeouts): as STS reads it (doctor's
 * facts, by the fetcher STS's stand-in uses), the JWKS again with a cache-busting query (what the origin holds
 * now), and the TLS chains of the issuer's hosts (the thumbprint probe: expiry and thumbprint).
 */
import type { IssuerFacts } from '../../core/doctor/issuer-checks.js';
import type { FreshRead, TlsFacts } from '../../core/issuer-check/types.js';
import { defaultJwksUri } from '../../core/issuer/issuer-url.js';
import { readJwks } from '../../core/issuer/document-schemas.js';
import { isObject } from '../../core/json/is-object.js';
import { fetchIssuerFacts } from '../doctor/issuer-facts.js';
import { OidcKeyFetcher } from '../oidc/fetcher.js';
import { probeThumbprints } from '../oidc/thumbprint-probe.js';

export interface PublicReadOptions {
  trustCa: string[];
  timeoutMs: number;
  /** Makes the cache-busting query unique per read. */
  nonce: string;
}

export interface PublicFacts {
  published: IssuerFacts;
  fresh: FreshRead;
  tls: TlsFacts;
}

export async function readPublicCopy(issuer: string, o: PublicReadOptions): Promise<PublicFacts> {
  // A new fetcher per read: its cache would hide exactly the changes this looks for.
  const fetcher = new OidcKeyFetcher({
    trustCa: o.trustCa,
    connectTimeoutMs: o.timeoutMs,
    totalTimeoutMs: o.timeoutMs,
  });
  const published = await fetchIssuerFacts(fetcher, issuer);
  const jwksUri = published.fetched.ok ? String(published.fetched.discovery.jwks_uri) : defaultJwksUri(issuer);
  const [fresh, tls] = await Promise.all([
    freshJwks(fetcher, jwksUri, o.nonce),
    tlsFacts(issuer, published.fetched.ok ? jwksUri : undefined, o),
  ]);
  return { published, fresh, tls };
}

/** The JWKS with `?irsa-nocache=NONCE`: a cache keyed on the query misses and asks the origin. */
async function freshJwks(fetcher: OidcKeyFetcher, jwksUri: string, nonce: string): Promise<FreshRead> {
  const url = `${jwksUri}${jwksUri.includes('?') ? '&' : '?'}irsa-nocache=${encodeURIComponent(nonce)}`;
  const r = await fetcher.fetchRaw(url);
  if (!r.ok) return { ok: false, error: r.detail };
  if (r.status !== 200) return { ok: false, error: `${url}: HTTP ${r.status}` };
  const jwks = readJwks(r.body.toString('utf8'), url);
  return jwks.ok ? { ok: true, url, keys: jwks.value.keys.filter(isObject) } : { ok: false, error: jwks.message };
}

async function tlsFacts(issuer: string, jwksUri: string | undefined, o: PublicReadOptions): Promise<TlsFacts> {
  const probe = await probeThumbprints({ issuer, jwksUri }, { trustCa: o.trustCa, timeoutMs: o.timeoutMs });
  if ('unreachable' in probe) return { ok: false, error: probe.unreachable };
  return {
    ok: true,
    hosts: probe.hosts.map((h) => ({
      url: h.url,
      thumbprint: h.thumbprint,
      trusted: h.trusted,
      ...(h.notAfter ? { notAfter: h.notAfter } : {}),
    })),
  };
}
