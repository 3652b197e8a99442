/**
 * The signature, verified with the JWK the kid check chose and the header's (already allowed) algorithm: Node's
 * crypto.verify on a public KeyObject, the same OpenSSL check jose makes through WebCrypto without importing a key
 * per token. The callback form runs on libuv's thread pool, so verifications overlap with request handling (the
 * sandbox verifies on its hot path; bench/README.md). Keys come from the caller's PublicKeyCache when it has one.
 */
import { createPublicKey, verify as cryptoVerify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { EC_SIGNATURE_BYTES, MIN_RSA_BITS } from '../../tokens/algorithms.js';
import { invalidIdentityToken, MSG_UNCONFIRMED } from '../aws-errors.js';
import { type Decision, type DecisionCheck, pass, refuse } from '../decision.js';

const HASH: Record<string, string> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
};

export const signature: DecisionCheck = {
  id: 'signature',
  run(d) {
    // One promise for the whole check, settled from crypto.verify's callback.
    return new Promise((resolve) => {
      const finish = (problem: string | undefined) => {
        if (problem === undefined) return resolve(pass(d, 'signature', `signature valid (${d.alg})`));
        const kid = JSON.stringify(d.header.kid ?? null);
        const error = invalidIdentityToken(MSG_UNCONFIRMED.badSignature);
        resolve(refuse(`signature does not verify with key ${kid}: ${problem}`, error));
      };
      const input = verifyInput(d);
      if (typeof input === 'string') finish(input);
      else verifyOnPool(input, finish);
    });
  },
};

interface VerifyInput {
  hash: string;
  key: KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' };
  signed: Buffer;
  signature: Buffer;
}

/** What crypto.verify needs, or why the signature fails before it. */
function verifyInput(d: Decision): VerifyInput | string {
  const key = importKey(d);
  if (!key) return 'the JWK cannot be imported as a public key';
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
    return `RSA keys must be at least ${MIN_RSA_BITS} bits`;
  }
  const token = d.req.webIdentityToken;
  const dot = token.lastIndexOf('.');
  const encoded = token.slice(dot + 1);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return 'the signature is empty or not base64url';
  const signature = Buffer.from(encoded, 'base64url');
  const ecBytes = EC_SIGNATURE_BYTES[d.alg];
  if (ecBytes !== undefined && signature.length !== ecBytes) {
    return `an ${d.alg} signature has ${ecBytes} bytes, not ${signature.length}`;
  }
  const signed = Buffer.from(token.slice(0, dot), 'latin1');
  return {
    hash: HASH[d.alg],
    key: ecBytes === undefined ? key : { key, dsaEncoding: 'ieee-p1363' },
    signed,
    signature,
  };
}

/** crypto.verify with a callback: runs on libuv's thread pool. OpenSSL rejects ECDSA r = 0 or s = 0. */
function verifyOnPool(v: VerifyInput, done: (problem: string | undefined) => void): void {
  const failed = 'signature verification failed';
  try {
    cryptoVerify(v.hash, v.signed, v.key, v.signature, (err, ok) => done(!err && ok ? undefined : failed));
  } catch {
    done(failed);
  }
}

/** The KeyObject for the chosen JWK: from the caller's cache, or imported (and offered to the cache). */
function importKey(d: Decision): KeyObject | undefined {
  const cached = d.publicKeys?.get(d.iss, d.jwk);
  if (cached) return cached;
  const { kty, crv, n, e, x, y } = d.jwk as Record<string, string>;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: (kty === 'RSA' ? { kty, n, e } : { kty, crv, x, y }) as JsonWebKey, format: 'jwk' });
  } catch {
    return undefined;
  }
  d.publicKeys?.set(d.iss, d.jwk, key);
  return key;
}
