/**
 * `irsa issuer watch --publish`: the JWKS to publish is what the target holds now plus every apiserver key it lacks
 * — never a key less (a rotation removes keys, the watch does not). Nothing to add: nothing to write. Pure: the
 * stored text and the apiservers' keys in, the operation for the provisioning publisher out.
 */
import type { PublishTarget } from '../config/types.js';
import { readJwks } from '../issuer/document-schemas.js';
import { documentWriteOperation } from '../issuer/document-write.js';
import { type Jwks, serializeJwks } from '../issuer/jwks.js';
import { isObject } from '../json/is-object.js';
import type { Operation } from '../provision/types.js';
import { keysMissing } from './keys.js';
import type { Jwk } from './types.js';

/** A short cache lifetime, so a CDN in front serves a newly added key within minutes. */
export const WATCH_PUBLISH_CACHE_CONTROL = 'public, max-age=300';

/** Only the members a published key carries (a private member in an apiserver's answer is never copied). */
const PUBLIC_MEMBERS = ['use', 'kty', 'kid', 'crv', 'alg', 'n', 'e', 'x', 'y'];

export type UnionPlan =
  | { write: false; reason: string }
  | { write: true; body: string; added: Jwk[]; kept: number; operation: Operation };

export function planUnionPublish(
  target: PublishTarget,
  stored: string | undefined,
  apiserverKeys: readonly Jwk[],
): UnionPlan {
  let current: Jwk[] = [];
  if (stored !== undefined) {
    const read = readJwks(stored, 'the published JWKS');
    // A JWKS that cannot be read is not replaced: what it holds is unknown, and nothing may be dropped.
    if (!read.ok) return { write: false, reason: `${read.message}: not replaced` };
    current = read.value.keys.filter(isObject);
  }
  const added = keysMissing(apiserverKeys, current).map(publicOnly);
  if (added.length === 0) return { write: false, reason: 'every apiserver key is published' };
  const body = serializeJwks({ keys: [...current, ...added] } as unknown as Jwks);
  return {
    write: true,
    body,
    added,
    kept: current.length,
    operation: documentWriteOperation(target, 'jwks', body, WATCH_PUBLISH_CACHE_CONTROL),
  };
}

function publicOnly(jwk: Jwk): Jwk {
  return Object.fromEntries(PUBLIC_MEMBERS.filter((m) => m in jwk).map((m) => [m, jwk[m]]));
}
