/**
 * What `begin` records after publishing, read from the published copy rather than from this run's clock: when the
 * JWKS with both keys was published (S3's Last-Modified, or the file's modification time) and for how long a
 * reader may cache it (the Cache-Control max-age S3 stores with the object, and the one the issuer URL serves when
 * it can be read over HTTPS — a CDN in front may say more — and the one the replaced JWKS carried, which a reader
 * may still hold that long; the largest counts). A max-age that cannot be read at all
 * is taken as an hour, the most irsa publishes, with a warning.
 */
import type { ClusterConfig } from '../../core/config/types.js';
import { E, IrsaError } from '../../core/errors.js';
import type { Instant } from '../../core/rotation/times.js';
import { cachePolicy } from '../oidc/cache-control.js';
import type { OidcKeyFetcher } from '../oidc/fetcher.js';
import type { Published } from './published.js';

const ASSUMED_MAX_AGE = 3600;

export interface JwksObservation {
  publishedAt: Instant;
  maxAgeSeconds: number;
  maxAgeSource: string;
  warnings: string[];
}

/** Seconds a Cache-Control value lets a reader keep the document (no-cache/no-store: 0; none: undefined). */
function maxAgeOf(cacheControl: string | undefined): number | undefined {
  if (!cacheControl) return undefined;
  const p = cachePolicy(cacheControl, undefined, { defaultTtlSeconds: -1, maxTtlSeconds: Number.MAX_SAFE_INTEGER });
  return p.ttlSeconds < 0 ? undefined : p.ttlSeconds;
}

export async function observeJwks(
  cluster: ClusterConfig,
  published: Published,
  /** Undefined when the issuer URL is not the reader's view (an S3 endpoint of moto or a local S3). */
  fetcher: OidcKeyFetcher | undefined,
  /** The Cache-Control of the JWKS this one replaced: a reader may hold that one as long as it said. */
  replaced?: string,
): Promise<JwksObservation> {
  const jwks = published.jwks;
  if (!jwks || jwks.lastModifiedMs === undefined) {
    throw new IrsaError(
      E.ERR_READ_BACK,
      `${published.jwks?.where ?? cluster.jwksUri}: the JWKS just published cannot be read back`,
    );
  }
  const kind = cluster.publish.kind === 's3' ? 'S3 Last-Modified' : 'file modification time';
  const publishedAt: Instant = { ms: jwks.lastModifiedMs, source: `${kind} of ${jwks.where}` };
  const warnings: string[] = [];
  const candidates: { seconds: number; source: string }[] = [];
  const stored = maxAgeOf(jwks.cacheControl);
  if (stored !== undefined) candidates.push({ seconds: stored, source: `Cache-Control of ${jwks.where}` });
  const before = maxAgeOf(replaced);
  if (before !== undefined) candidates.push({ seconds: before, source: 'Cache-Control of the JWKS it replaced' });
  if (fetcher) {
    const r = await fetcher.fetchRaw(cluster.jwksUri);
    const header = r.ok ? r.headers['cache-control'] : undefined;
    const served = maxAgeOf(Array.isArray(header) ? header.join(', ') : header);
    if (served !== undefined)
      candidates.push({ seconds: served, source: `Cache-Control served at ${cluster.jwksUri}` });
    else if (!r.ok) warnings.push(`${cluster.jwksUri} could not be read over HTTPS (${r.detail})`);
  }
  const longest = candidates.sort((a, b) => b.seconds - a.seconds)[0];
  if (!longest) {
    warnings.push(`no Cache-Control max-age could be read for the JWKS: the rotation assumes ${ASSUMED_MAX_AGE}s`);
    return { publishedAt, maxAgeSeconds: ASSUMED_MAX_AGE, maxAgeSource: 'assumed: none could be read', warnings };
  }
  return { publishedAt, maxAgeSeconds: longest.seconds, maxAgeSource: longest.source, warnings };
}
