import { createHash, type KeyObject, sign, verify } from 'node:crypto';
import { E, IrsaError } from '../errors.js';

/**
 * Whether a private key and the public key said to be its other half belong together. A JWK (or a crafted PKCS#1
 * file) carries both halves separately: with `n` of one RSA key and `d`/`p`/`q` of another, OpenSSL still signs,
 * and the token fails verification against the published key; an EC JWK whose `x`/`y` are not `d`·G fails later in
 * WebCrypto with only "Invalid keyData". One signature over a fixed message, checked with the public half, proves
 * the pair for every key type the parser admits.
 */
export function checkKeyPair(privateKey: KeyObject, publicKey: KeyObject, where: string): void {
  const message = createHash('sha256').update('irsa-anywhere key pair check').digest();
  let ok = false;
  try {
    ok = verify(null, message, publicKey, sign(null, message, privateKey));
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new IrsaError(
      E.ERR_KEY_MISMATCH,
      `${where}: the private key does not belong to the public key given with it (n/x/y and d/p/q of different keys)`,
    );
  }
}
