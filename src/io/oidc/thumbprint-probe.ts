/**
 * The thumbprints AWS would compute for an issuer, as AWS documents it: SHA-1 of the top intermediate CA — the
 * last certificate the server sends — of the jwks_uri host, and of the discovery (issuer) host too when it is
 * another host (aws/aws-cli#10254). For `irsa issuer thumbprint` and for the planner's `thumbprints: auto`: a host
 * that cannot be reached is an answer (`unreachable`, with why), never an error or a hang.
 */
import { defaultJwksUri } from '../../core/issuer/issuer-url.js';
import { discoveryUrl, OidcKeyFetcher } from './fetcher.js';

export interface HostThumbprint {
  /** The URL probed (the jwks_uri, or the issuer). */
  url: string;
  role: 'jwks' | 'discovery';
  /** Upper-case hex SHA-1 of the last certificate the server sent. */
  thumbprint: string;
  /** Subjects of the chain as sent, leaf first. */
  chainSubjects: string[];
  /** Whether the chain verifies against Node's roots, NODE_EXTRA_CA_CERTS and --trust-ca. */
  trusted: boolean;
  authorizationError?: string;
  /** The earliest expiry (ISO 8601) among the served chain's certificates. */
  notAfter?: string;
}

export type ThumbprintProbe =
  | {
      /** jwks_uri host first, then the discovery host when different; no duplicates. */
      thumbprints: string[];
      hosts: HostThumbprint[];
      /** How jwks_uri was learned: given, read from the discovery document, or assumed (discovery unreadable). */
      jwksUriSource: 'given' | 'discovery' | 'default';
      jwksUri: string;
      notes: string[];
    }
  | { unreachable: string };

export interface ThumbprintProbeOptions {
  /** PEM texts of extra CAs (only what `trusted` says depends on them; the thumbprint never does). */
  trustCa?: string[];
  /** Per connection and per document (default 3000 ms). */
  timeoutMs?: number;
}

export async function probeThumbprints(
  target: { issuer: string; jwksUri?: string },
  options: ThumbprintProbeOptions = {},
): Promise<ThumbprintProbe> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const fetcher = new OidcKeyFetcher({
    trustCa: options.trustCa,
    connectTimeoutMs: timeoutMs,
    totalTimeoutMs: timeoutMs,
  });
  const notes: string[] = [];
  const found = target.jwksUri
    ? { jwksUri: target.jwksUri, source: 'given' as const }
    : await jwksUriOf(fetcher, target.issuer, notes);
  const urls: [HostThumbprint['role'], string][] = [['jwks', found.jwksUri]];
  if (originOf(found.jwksUri) !== originOf(target.issuer)) urls.push(['discovery', target.issuer]);
  const hosts: HostThumbprint[] = [];
  for (const [role, url] of urls) {
    try {
      const o = await fetcher.probe(url);
      hosts.push({
        url,
        role,
        thumbprint: o.thumbprint,
        chainSubjects: o.chainSubjects ?? [],
        trusted: o.trusted,
        ...(o.authorizationError ? { authorizationError: o.authorizationError } : {}),
        ...(o.notAfter ? { notAfter: o.notAfter } : {}),
      });
    } catch (e) {
      return { unreachable: (e as Error).message };
    }
  }
  const thumbprints = [...new Set(hosts.map((h) => h.thumbprint).filter(Boolean))];
  return { thumbprints, hosts, jwksUriSource: found.source, jwksUri: found.jwksUri, notes };
}

/** jwks_uri from the issuer's discovery document; the kube-apiserver default when it cannot be read. */
async function jwksUriOf(
  fetcher: OidcKeyFetcher,
  issuer: string,
  notes: string[],
): Promise<{ jwksUri: string; source: 'discovery' | 'default' }> {
  const fallback = defaultJwksUri(issuer);
  const r = await fetcher.fetchRaw(discoveryUrl(issuer));
  if (r.ok) {
    try {
      const jwksUri = (JSON.parse(r.body.toString('utf8')) as { jwks_uri?: unknown }).jwks_uri;
      if (typeof jwksUri === 'string' && /^https:\/\//i.test(jwksUri)) return { jwksUri, source: 'discovery' };
    } catch {
      // not JSON: noted below
    }
    notes.push(`${discoveryUrl(issuer)} has no https jwks_uri: assumed ${fallback}`);
  } else {
    notes.push(`discovery document not read (${r.detail}): assumed jwks_uri ${fallback}`);
  }
  return { jwksUri: fallback, source: 'default' };
}

function originOf(url: string): string {
  return URL.canParse(url) ? new URL(url).host.toLowerCase() : url;
}
