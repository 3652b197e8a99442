import { createHash, type KeyObject } from 'node:crypto';

/**
 * The key ID kube-apiserver puts in token headers and the JWKS: base64url, unpadded, of SHA-256 over the DER
 * SubjectPublicKeyInfo (`keyIDFromPublicKey` in pkg/serviceaccount/jwt.go). Node's SPKI export is byte-identical
 * to Go's x509.MarshalPKIXPublicKey for RSA and EC keys.
 */
export function keyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}
