/**
 * Key sets compared as key sets, not bytes (the public `jwks_uri` is rewritten, members may come in another order):
 * a key is its kid and its public material. Also the union the watch publishes: everything published stays, every
 * apiserver key missing is added — a key is removed only by a rotation, never by the watch.
 */
import type { ApiserverFacts, Jwk } from './types.js';

/** The public members that make a key, by type (private members are never compared or published). */
const MATERIAL: Record<string, string[]> = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'] };

export function kidOf(jwk: Jwk): string {
  return typeof jwk.kid === 'string' ? jwk.kid : '';
}

/** `kid|kty|material…`: equal for the same key however it was serialised. */
export function keyIdentity(jwk: Jwk): string {
  const kty = String(jwk.kty ?? '');
  const members = MATERIAL[kty] ?? ['n', 'e', 'crv', 'x', 'y'];
  return [kidOf(jwk), kty, ...members.map((m) => String(jwk[m] ?? ''))].join('|');
}

/** The keys of `a` that `b` lacks (same kid and material). */
export function keysMissing(a: readonly Jwk[], b: readonly Jwk[]): Jwk[] {
  const have = new Set(b.map(keyIdentity));
  return a.filter((k) => !have.has(keyIdentity(k)));
}

export function sameKeySet(a: readonly Jwk[], b: readonly Jwk[]): boolean {
  return keysMissing(a, b).length === 0 && keysMissing(b, a).length === 0;
}

export function kidList(keys: readonly Jwk[]): string {
  return keys.length ? keys.map((k) => kidOf(k) || '(no kid)').join(', ') : 'none';
}

/** Every key any readable apiserver endpoint serves, once. */
export function apiserverKeys(apiservers: ApiserverFacts): Jwk[] {
  const seen = new Map<string, Jwk>();
  for (const e of apiservers.endpoints) for (const k of e.keys ?? []) seen.set(keyIdentity(k), k);
  return [...seen.values()];
}

/** The published keys, then every apiserver key they lack: nothing is ever dropped. */
export function unionKeys(published: readonly Jwk[], apiserver: readonly Jwk[]): Jwk[] {
  return [...published, ...keysMissing(apiserver, published)];
}
