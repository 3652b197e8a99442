import { generateKeyPairSync } from 'node:crypto';
import { E, IrsaError } from '../errors.js';
import { type Curve, type LoadedKey, MIN_RSA_BITS, parseKeys } from './parse.js';

export interface GeneratedKeyPair {
  /** PKCS#1 "RSA PRIVATE KEY" or SEC1 "EC PRIVATE KEY": what every distribution's apiserver reads. */
  privatePem: string;
  /** SPKI "PUBLIC KEY". */
  publicPem: string;
  key: LoadedKey;
}

const NODE_CURVES: Record<Curve, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };

export function generateSigningKey(
  spec: { type: 'rsa'; bits?: number } | { type: 'ec'; curve?: Curve },
): GeneratedKeyPair {
  let privatePem: string;
  let publicPem: string;
  if (spec.type === 'rsa') {
    const bits = spec.bits ?? 2048;
    if (!Number.isInteger(bits) || bits < MIN_RSA_BITS || bits > 16384 || bits % 8 !== 0) {
      throw new IrsaError(
        E.ERR_KEY_TOO_SMALL,
        `--bits must be a multiple of 8 from ${MIN_RSA_BITS} to 16384, got: ${bits}`,
      );
    }
    ({ privateKey: privatePem, publicKey: publicPem } = generateKeyPairSync('rsa', {
      modulusLength: bits,
      publicExponent: 65537,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }));
  } else {
    const curve = spec.curve ?? 'P-256';
    const named = NODE_CURVES[curve];
    if (!named) throw new IrsaError(E.ERR_KEY_CURVE, `--curve must be P-256, P-384 or P-521, got: ${curve}`);
    ({ privateKey: privatePem, publicKey: publicPem } = generateKeyPairSync('ec', {
      namedCurve: named,
      privateKeyEncoding: { type: 'sec1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }));
  }
  const [key] = parseKeys(privatePem, 'generated');
  return { privatePem, publicPem, key };
}
