/**
 * The sandbox's cache of imported public keys, handed to the validation core with every decision and kept for as
 * long as the sandbox serves (importing a JWK costs more than verifying a signature with it). Fast path: the JWK
 * object itself (the fetcher hands out the same objects while its documents are cached); otherwise the key's
 * content, so a key rotated in under an old kid is never confused with the one before it.
 */
import type { KeyObject } from 'node:crypto';
import type { PublicKeyCache } from '../core/sts/types.js';

const MAX_CONTENT_KEYS = 1000;

export class PublicKeyMemo implements PublicKeyCache {
  readonly #byObject = new WeakMap<object, KeyObject>();
  readonly #byContent = new Map<string, KeyObject>();

  get(issuer: string, jwk: Record<string, unknown>): KeyObject | undefined {
    const hit = this.#byObject.get(jwk);
    if (hit) return hit;
    const key = this.#byContent.get(contentKey(issuer, jwk));
    if (key) this.#byObject.set(jwk, key);
    return key;
  }

  set(issuer: string, jwk: Record<string, unknown>, key: KeyObject): void {
    // Bounded: an issuer rotating keys (or a JWKS of junk) cannot grow it without limit.
    if (this.#byContent.size >= MAX_CONTENT_KEYS) this.#byContent.clear();
    this.#byContent.set(contentKey(issuer, jwk), key);
    this.#byObject.set(jwk, key);
  }
}

function contentKey(issuer: string, jwk: Record<string, unknown>): string {
  return [issuer, jwk.kty, jwk.crv, jwk.n, jwk.e, jwk.x, jwk.y].join('\u0000');
}
