/**
 * The key sets of a rotation's phases and the documents that publish them: before `finish` the old keys and the new
 * one (old first, in the order they were published, as kube-apiserver lists its --service-account-key-file
 * keys), after it the new key alone. Keys are read by the key code (core/keys/parse.ts), so every kid is computed
 * the Kubernetes way from the key itself, never copied.
 */
import type { ClusterConfig } from '../config/types.js';
import { E, IrsaError } from '../errors.js';
import { buildJwks, type Jwks, type PublishedJwk } from '../issuer/jwks.js';
import { isObject } from '../json/is-object.js';
import { type LoadedKey, parseKeys } from '../keys/parse.js';
import { type DesiredDocuments, desiredDocuments } from '../provision/documents.js';
import type { RotationState } from './state.js';

/** The keys of a published JWKS (`where` names it), or why they cannot be read. */
export function publishedKeys(jwksText: string, where: string): LoadedKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(jwksText);
  } catch {
    throw new IrsaError(E.ERR_ROTATION_STATE, `${where}: the published JWKS is not JSON`);
  }
  if (!isObject(doc) || !Array.isArray(doc.keys) || doc.keys.length === 0) {
    throw new IrsaError(E.ERR_ROTATION_STATE, `${where}: the published JWKS holds no keys`);
  }
  return parseKeys(jwksText, where);
}

/** The JWK set of published JWKs, rebuilt through the key code (kids recomputed, kube-apiserver's member order). */
export function jwksOf(keys: readonly PublishedJwk[], where: string): Jwks {
  return buildJwks(parseKeys(JSON.stringify({ keys }), where));
}

/** What a phase publishes: old and new until finished, then the new key alone. */
export function phaseKeys(state: RotationState): PublishedJwk[] {
  return state.phase === 'finished' ? [state.newKey] : [...state.oldKeys, state.newKey];
}

/** The discovery document and JWKS of a key set, exactly as kube-apiserver would serve them. */
export function documentsFor(cluster: ClusterConfig, keys: readonly PublishedJwk[]): DesiredDocuments {
  return desiredDocuments(cluster, jwksOf(keys, 'rotation state'));
}

/** The kids of a key set, for messages and status. */
export function kidsOf(keys: readonly PublishedJwk[]): string[] {
  return keys.map((k) => k.kid);
}
