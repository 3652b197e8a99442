import { goJson } from '../json/go-json.js';
import type { LoadedKey } from '../keys/parse.js';

/** A JWK as kube-apiserver publishes it; member order is go-jose's and matters for byte equality. */
export type PublishedJwk =
  | { use: 'sig'; kty: 'RSA'; kid: string; alg: string; n: string; e: string }
  | { use: 'sig'; kty: 'EC'; kid: string; crv: string; alg: string; x: string; y: string };

export interface Jwks {
  keys: PublishedJwk[];
}

/** One published JWK for a key (public half only, whatever the input held). */
export function publishedJwk(key: LoadedKey): PublishedJwk {
  const jwk = key.publicKey.export({ format: 'jwk' });
  if (key.kty === 'RSA') {
    return { use: 'sig', kty: 'RSA', kid: key.kid, alg: key.alg, n: jwk.n!, e: jwk.e! };
  }
  return { use: 'sig', kty: 'EC', kid: key.kid, crv: key.curve!, alg: key.alg, x: jwk.x!, y: jwk.y! };
}

/**
 * The key set for `/openid/v1/jwks`: keys in input order (rotation publishes old and new together), a key given
 * twice (say as private and public file) kept once, at its first place.
 */
export function buildJwks(keys: readonly LoadedKey[]): Jwks {
  const seen = new Set<string>();
  const out: PublishedJwk[] = [];
  for (const k of keys) {
    if (seen.has(k.kid)) continue;
    seen.add(k.kid);
    out.push(publishedJwk(k));
  }
  return { keys: out };
}

/** The exact bytes kube-apiserver serves (no trailing newline). */
export function serializeJwks(jwks: Jwks): string {
  return goJson(jwks);
}
