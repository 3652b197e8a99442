/**
 * `public-copy`: the JWKS read as STS reads it against the same URL with a cache-busting query. When they differ a
 * cache (a CDN) serves an older copy than the origin holds; `Age` and `Cache-Control` say for how long.
 */
import type { FetchedDocument, IssuerFacts } from '../doctor/issuer-checks.js';
import { kidList, sameKeySet } from './keys.js';
import type { PublishedKeys } from './published.js';
import { type FreshRead, type IssuerCheck, notRun } from './types.js';

const ID = 'public-copy';
const TITLE = 'Public copy fresh';

export function publicCopyCheck(
  published: PublishedKeys | undefined,
  fresh: FreshRead,
  facts: IssuerFacts,
): IssuerCheck {
  if (!published) return { id: ID, title: TITLE, status: 'skip', message: 'the published JWKS could not be read' };
  const cache = cacheWords(jwksDocument(facts));
  if (!fresh.ok) {
    return notRun(ID, TITLE, `the cache-busting read failed (${fresh.error}); ${cache}`, 'check the issuer host');
  }
  if (!sameKeySet(published.keys, fresh.keys)) {
    return {
      id: ID,
      title: TITLE,
      status: 'warn',
      message:
        `stale copy: ${published.jwksUri} serves ${kidList(published.keys)}, the origin (cache-busted) serves ` +
        `${kidList(fresh.keys)}; ${cache}`,
      fix:
        'wait out the cache lifetime or invalidate the CDN (aws cloudfront create-invalidation --paths "/*"); ' +
        'publish with Cache-Control: max-age=300',
    };
  }
  return { id: ID, title: TITLE, status: 'pass', message: `the cached and the origin copy agree; ${cache}` };
}

export function jwksDocument(facts: IssuerFacts): FetchedDocument | undefined {
  const docs = (facts.fetched.details?.documents ?? []) as FetchedDocument[];
  return docs.find((d) => d.kind === 'jwks');
}

/** `Age` in seconds, or undefined when no cache said. */
export function cacheAgeSeconds(d: FetchedDocument | undefined): number | undefined {
  const age = Number(d?.age);
  return d?.age !== undefined && Number.isFinite(age) && age >= 0 ? age : undefined;
}

function cacheWords(d: FetchedDocument | undefined): string {
  const age = cacheAgeSeconds(d);
  const control = d?.cacheControl ? `Cache-Control: ${d.cacheControl}` : 'no Cache-Control (a CDN keeps it 24 h)';
  return `${control}${age !== undefined ? `, Age ${age} s` : ''}`;
}
