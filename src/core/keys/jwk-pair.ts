import { createECDH } from 'node:crypto';
import { E, IrsaError } from '../errors.js';

/**
 * Whether a JWK's private members belong to its public members, decided here rather than by the runtime: Node 20
 * and 22 import a JWK whose `n` (or `x`/`y`) comes from another key than its `d`/`p`/`q` and leave the mismatch to
 * the signature check (checkKeyPair), while Node 24 and later refuse it at import (ERR_CRYPTO_INVALID_JWK), which
 * cannot be told apart from a malformed JWK. Checking first gives the same code on every Node: ERR_KEY_MISMATCH for
 * halves of two keys, ERR_KEY_INVALID for an EC `d` that is no private key on its curve. Members that are missing
 * or not strings are left to the import, which refuses them on every version.
 */
export function checkJwkPair(jwk: Record<string, unknown>, opensslCurve: string | undefined, where: string) {
  const { kty, n, p, q, d, x, y } = jwk;
  if (kty === 'RSA' && typeof n === 'string' && typeof p === 'string' && typeof q === 'string') {
    if (memberInt(p) * memberInt(q) !== memberInt(n))
      throw mismatch(where, 'n is not p·q: n and p/q come from different keys');
  }
  if (kty === 'EC' && opensslCurve && typeof d === 'string' && typeof x === 'string' && typeof y === 'string') {
    const point = publicPointOf(d, opensslCurve, jwk.crv, where);
    const size = (point.length - 1) / 2;
    if (unsigned(point.subarray(1, 1 + size)) !== memberInt(x) || unsigned(point.subarray(1 + size)) !== memberInt(y)) {
      throw mismatch(where, 'x/y is not d·G: x/y and d come from different keys');
    }
  }
}

/** The uncompressed point d·G; an ERR_KEY_INVALID when d is 0 or not below the curve's order. */
function publicPointOf(d: string, opensslCurve: string, crv: unknown, where: string): Buffer {
  const ecdh = createECDH(opensslCurve);
  try {
    ecdh.setPrivateKey(Buffer.from(d, 'base64url'));
  } catch {
    throw new IrsaError(E.ERR_KEY_INVALID, `${where}: "d" is not a private key on curve ${String(crv)}`);
  }
  return ecdh.getPublicKey();
}

function mismatch(where: string, why: string): IrsaError {
  return new IrsaError(
    E.ERR_KEY_MISMATCH,
    `${where}: the private key does not belong to the public key given with it (${why})`,
  );
}

/** A base64url member as an unsigned big-endian integer (leading zero bytes do not matter). */
function memberInt(member: string): bigint {
  return unsigned(Buffer.from(member, 'base64url'));
}

function unsigned(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}
