/**
 * What the watch's metrics show after a pass, computed from the facts and the checks (the shell only sets gauges):
 * per check 1/0, key counts per source and endpoint, the number of distinct apiserver key sets, keys unpublished
 * (the outage direction) and stale, the public cache's age, the certificate's expiry, the IAM provider per field,
 * the STS canary. A value that could not be observed is left out (the gauge keeps no stale value).
 */
import { apiserverKeys, keysMissing, sameKeySet } from './keys.js';
import { cacheAgeSeconds, jwksDocument } from './public-copy.js';
import { publishedKeys } from './published.js';
import { stalePublishedKeys } from './published-keys.js';
import { earliestExpiry } from './tls-expiry.js';
import type { IssuerCheck, IssuerWatchFacts, Jwk } from './types.js';

export interface WatchSample {
  /** 1 when the check passed (or did not apply), 0 when it warned or failed. */
  checkSuccess: Record<string, 0 | 1>;
  keys: { source: 'apiserver' | 'published' | 'origin'; endpoint: string; count: number }[];
  /** 1 when discovery and JWKS were fetched as STS fetches them. */
  publishedReachable: 0 | 1;
  apiserverKeysets?: number;
  unpublishedKeys?: number;
  stalePublishedKeys?: number;
  signingKeyPublished?: 0 | 1;
  publicCacheAgeSeconds?: number;
  tlsExpiryTimestampSeconds?: number;
  iamProviderMatch?: { url: 0 | 1; client_id: 0 | 1; thumbprint: 0 | 1 };
  stsProbeSuccess?: 0 | 1;
  /** Every check that ran passed or warned (no failure): the watch's last success. */
  success: boolean;
}

export function watchSample(facts: IssuerWatchFacts, checks: readonly IssuerCheck[]): WatchSample {
  const status = (id: string) => checks.find((c) => c.id === id)?.status;
  const bit = (id: string): 0 | 1 => (status(id) === 'pass' || status(id) === 'skip' ? 1 : 0);
  const published = publishedKeys(facts.published);
  const apiservers = facts.apiservers && !('error' in facts.apiservers) ? facts.apiservers : undefined;
  const held = apiservers ? apiserverKeys(apiservers) : undefined;
  const expiry = earliestExpiry(facts.tls);
  const age = cacheAgeSeconds(jwksDocument(facts.published));
  const sample: WatchSample = {
    checkSuccess: Object.fromEntries(checks.map((c) => [c.id, bit(c.id)])),
    keys: keyCounts(facts, published?.keys),
    publishedReachable: facts.published.fetched.ok ? 1 : 0,
    success: !checks.some((c) => c.status === 'fail'),
  };
  if (apiservers) sample.apiserverKeysets = distinctSets(apiservers.endpoints.flatMap((e) => (e.keys ? [e.keys] : [])));
  if (held && published) {
    sample.unpublishedKeys = keysMissing(held, published.keys).length;
    sample.stalePublishedKeys = stalePublishedKeys(held, published.keys).length;
  }
  const signing = status('signing-key-published');
  if (signing === 'pass' || signing === 'fail') sample.signingKeyPublished = signing === 'pass' ? 1 : 0;
  if (age !== undefined) sample.publicCacheAgeSeconds = age;
  if (expiry) sample.tlsExpiryTimestampSeconds = expiry.at;
  if (facts.iam?.ok) {
    sample.iamProviderMatch = {
      url: bit('iam-provider'),
      client_id: bit('iam-client-ids'),
      thumbprint: bit('thumbprint'),
    };
    if (!facts.iam.provider) sample.iamProviderMatch = { url: 0, client_id: 0, thumbprint: 0 };
  }
  if (facts.canary) sample.stsProbeSuccess = facts.canary.ok ? 1 : 0;
  return sample;
}

function keyCounts(facts: IssuerWatchFacts, published: Jwk[] | undefined): WatchSample['keys'] {
  const out: WatchSample['keys'] = [];
  const apiservers = facts.apiservers && !('error' in facts.apiservers) ? facts.apiservers : undefined;
  for (const e of apiservers?.endpoints ?? []) {
    if (e.keys) out.push({ source: 'apiserver', endpoint: e.endpoint, count: e.keys.length });
  }
  if (published) out.push({ source: 'published', endpoint: 'public', count: published.length });
  if (facts.fresh.ok) out.push({ source: 'origin', endpoint: 'public', count: facts.fresh.keys.length });
  return out;
}

function distinctSets(sets: Jwk[][]): number {
  const groups: Jwk[][] = [];
  for (const s of sets) if (!groups.some((g) => sameKeySet(g, s))) groups.push(s);
  return groups.length;
}
