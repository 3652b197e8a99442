/**
 * `apiserver-keys-published`: every key any apiserver holds is in the JWKS STS reads (kid and material, not
 * bytes); published keys no apiserver holds any more are reported (kept until the tokens they signed expire).
 */
import { couldNotRetrieveKey } from '../sts/aws-errors.js';
import { keysMissing, kidList } from './keys.js';
import type { PublishedKeys } from './published.js';
import type { IssuerCheck, Jwk } from './types.js';

const ID = 'apiserver-keys-published';
const TITLE = 'Apiserver keys published';

export function publishedKeysCheck(apiserver: Jwk[] | undefined, published: PublishedKeys | undefined): IssuerCheck {
  if (!apiserver || apiserver.length === 0) {
    return { id: ID, title: TITLE, status: 'skip', message: "the apiservers' keys are unknown" };
  }
  if (!published) return { id: ID, title: TITLE, status: 'skip', message: 'the published JWKS could not be read' };
  const missing = keysMissing(apiserver, published.keys);
  const stale = stalePublishedKeys(apiserver, published.keys);
  const staleNote = stale.length
    ? `; ${stale.length} published key(s) no apiserver holds (${kidList(stale)}): remove them only after the longest token lifetime + 24 h`
    : '';
  if (missing.length) {
    const e = couldNotRetrieveKey();
    return {
      id: ID,
      title: TITLE,
      status: 'fail',
      message: `${missing.length} apiserver key(s) not in ${published.jwksUri}: ${kidList(missing)}${staleNote}`,
      awsError: `${e.code}: ${e.message}`,
      fix: "publish the union of the apiservers' keys (irsa issuer watch --publish, or irsa apply -f irsa.yaml)",
    };
  }
  return {
    id: ID,
    title: TITLE,
    status: 'pass',
    message: `all ${apiserver.length} apiserver key(s) are in ${published.jwksUri}${staleNote}`,
  };
}

/** Published keys that no apiserver holds (same kid and material). */
export function stalePublishedKeys(apiserver: readonly Jwk[], published: readonly Jwk[]): Jwk[] {
  return keysMissing(published, apiserver);
}
