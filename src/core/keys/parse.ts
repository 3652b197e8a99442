import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { E, IrsaError } from '../errors.js';
import { keyId } from './kid.js';

/** How a key was encoded in its input. */
export type KeyEncoding =
  | 'spki-public' // PEM "PUBLIC KEY"
  | 'x509-certificate' // PEM "CERTIFICATE"
  | 'pkcs1-private' // PEM "RSA PRIVATE KEY"
  | 'sec1-private' // PEM "EC PRIVATE KEY"
  | 'pkcs8-private' // PEM "PRIVATE KEY"
  | 'pkcs1-public' // PEM "RSA PUBLIC KEY"
  | 'jwk'; // JSON Web Key, alone or in a JWKS

export type SigningAlg = 'RS256' | 'ES256' | 'ES384' | 'ES512';
export type Curve = 'P-256' | 'P-384' | 'P-521';

export interface LoadedKey {
  /** `file` or `file#N` (N = 1-based PEM block or JWKS entry), for messages. */
  source: string;
  publicKey: KeyObject;
  /** Present only when the input held the private half. */
  privateKey?: KeyObject;
  kty: 'RSA' | 'EC';
  alg: SigningAlg;
  curve?: Curve;
  bits?: number;
  encoding: KeyEncoding;
  kid: string;
  /** Whether kube-apiserver's --service-account-key-file would read this input itself. */
  kubeApiserverAccepts: boolean;
}

const CURVES: Record<string, { curve: Curve; alg: SigningAlg }> = {
  prime256v1: { curve: 'P-256', alg: 'ES256' },
  secp384r1: { curve: 'P-384', alg: 'ES384' },
  secp521r1: { curve: 'P-521', alg: 'ES512' },
};
const JWK_CURVES: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };

/** Minimum RSA modulus: AWS and current guidance; kube-apiserver itself takes any size. */
export const MIN_RSA_BITS = 2048;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * Reads every RSA/EC key in one input (PEM with one or more blocks, or JWK/JWKS JSON). Non-key PEM blocks (such as
 * `EC PARAMETERS`) are skipped, as kube-apiserver skips them. Unsupported keys are errors naming `source`.
 */
export function parseKeys(input: string | Uint8Array, source: string): LoadedKey[] {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return parseJwkText(trimmed, source);

  const keys: LoadedKey[] = [];
  let index = 0;
  let sawPem = false;
  for (const m of text.matchAll(PEM_BLOCK)) {
    sawPem = true;
    index++;
    const label = m[1];
    const where = `${source}#${index}`;
    // OpenSSL's legacy encrypted PEM ("Proc-Type: 4,ENCRYPTED" + "DEK-Info" headers) inside an ordinary label.
    if (/Proc-Type:\s*4,ENCRYPTED/i.test(m[2])) throw encrypted(where);
    const der = Buffer.from(m[2].replace(/[\r\n\t ]/g, ''), 'base64');
    const key = fromPemBlock(label, der, where);
    if (key) keys.push(key);
  }
  if (keys.length === 0) {
    throw new IrsaError(
      E.ERR_KEY_NOT_FOUND,
      sawPem
        ? `${source}: no RSA or EC key in its PEM blocks`
        : `${source}: not a PEM key, certificate or JWK (no "-----BEGIN" block or JSON object found)`,
    );
  }
  return keys;
}

function fromPemBlock(label: string, der: Buffer, where: string): LoadedKey | undefined {
  try {
    switch (label) {
      case 'PUBLIC KEY':
        return describe(createPublicKey({ key: der, format: 'der', type: 'spki' }), undefined, 'spki-public', where);
      case 'CERTIFICATE':
        return describe(new X509Certificate(der).publicKey, undefined, 'x509-certificate', where);
      case 'RSA PRIVATE KEY':
        return fromPrivate(createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }), 'pkcs1-private', where);
      case 'EC PRIVATE KEY':
        return fromPrivate(createPrivateKey({ key: der, format: 'der', type: 'sec1' }), 'sec1-private', where);
      case 'PRIVATE KEY':
        return fromPrivate(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), 'pkcs8-private', where);
      case 'RSA PUBLIC KEY':
        return describe(createPublicKey({ key: der, format: 'der', type: 'pkcs1' }), undefined, 'pkcs1-public', where);
      case 'ENCRYPTED PRIVATE KEY':
        throw encrypted(where);
      default:
        return undefined; // EC PARAMETERS, CERTIFICATE REQUEST, ...: tolerated like kube-apiserver does
    }
  } catch (e) {
    if (e instanceof IrsaError) throw e;
    throw new IrsaError(E.ERR_KEY_INVALID, `${where}: "${label}" block does not hold a valid key (${short(e)})`);
  }
}

function fromPrivate(privateKey: KeyObject, encoding: KeyEncoding, where: string): LoadedKey {
  return describe(createPublicKey(privateKey), privateKey, encoding, where);
}

function parseJwkText(text: string, source: string): LoadedKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new IrsaError(E.ERR_KEY_INVALID, `${source}: invalid JSON (${short(e)})`);
  }
  const obj = doc as { keys?: unknown };
  const list = Array.isArray(obj.keys) ? obj.keys : [doc];
  if (list.length === 0) throw new IrsaError(E.ERR_KEY_NOT_FOUND, `${source}: JWKS has no keys`);
  return list.map((jwk, i) => fromJwk(jwk, Array.isArray(obj.keys) ? `${source}#${i + 1}` : source));
}

function fromJwk(jwk: unknown, where: string): LoadedKey {
  if (typeof jwk !== 'object' || jwk === null) throw new IrsaError(E.ERR_KEY_INVALID, `${where}: JWK is not an object`);
  const j = jwk as Record<string, unknown>;
  if (j.kty === 'oct') {
    throw new IrsaError(E.ERR_KEY_SYMMETRIC, `${where}: symmetric (kty "oct") keys cannot sign service-account tokens`);
  }
  if (j.kty === 'OKP') throw unsupported(where, `${String(j.crv ?? 'OKP')} (EdDSA) keys are not accepted by AWS STS`);
  if (j.kty === 'EC' && typeof j.crv === 'string' && !JWK_CURVES[j.crv]) throw badCurve(where, j.crv);
  if (j.kty !== 'RSA' && j.kty !== 'EC') throw unsupported(where, `JWK kty ${JSON.stringify(j.kty)} is not RSA or EC`);
  const pub = j.kty === 'RSA' ? { kty: 'RSA', n: j.n, e: j.e } : { kty: 'EC', crv: j.crv, x: j.x, y: j.y };
  try {
    const publicKey = createPublicKey({ key: pub as never, format: 'jwk' });
    const privateKey = typeof j.d === 'string' ? createPrivateKey({ key: j as never, format: 'jwk' }) : undefined;
    return describe(publicKey, privateKey, 'jwk', where);
  } catch (e) {
    if (e instanceof IrsaError) throw e;
    throw new IrsaError(E.ERR_KEY_INVALID, `${where}: invalid ${String(j.kty)} JWK (${short(e)})`);
  }
}

function describe(
  publicKey: KeyObject,
  privateKey: KeyObject | undefined,
  encoding: KeyEncoding,
  where: string,
): LoadedKey {
  const type = publicKey.asymmetricKeyType;
  const details = publicKey.asymmetricKeyDetails ?? {};
  if (type === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) {
      throw new IrsaError(
        E.ERR_KEY_TOO_SMALL,
        `${where}: RSA key is ${bits} bits; at least ${MIN_RSA_BITS} are required`,
      );
    }
    return {
      source: where,
      publicKey,
      privateKey,
      kty: 'RSA',
      alg: 'RS256', // kube-apiserver signs RSA keys with RS256 only
      bits,
      encoding,
      kid: keyId(publicKey),
      // kube-apiserver reads PKCS#1 and PKCS#8 RSA private keys, SPKI and certificates, not PKCS#1 public keys
      kubeApiserverAccepts: encoding !== 'pkcs1-public' && encoding !== 'jwk',
    };
  }
  if (type === 'ec') {
    const named = CURVES[details.namedCurve ?? ''];
    if (!named) throw badCurve(where, details.namedCurve ?? 'unknown');
    return {
      source: where,
      publicKey,
      privateKey,
      kty: 'EC',
      alg: named.alg,
      curve: named.curve,
      encoding,
      kid: keyId(publicKey),
      // kube-apiserver reads EC private keys only as SEC1 ("EC PRIVATE KEY"), not PKCS#8
      kubeApiserverAccepts:
        encoding === 'spki-public' || encoding === 'x509-certificate' || encoding === 'sec1-private',
    };
  }
  if (type === 'ed25519' || type === 'ed448') throw unsupported(where, `${type} keys are not accepted by AWS STS`);
  throw unsupported(
    where,
    `${type ?? 'unknown'} keys are not supported (use RSA >= ${MIN_RSA_BITS} or EC P-256/384/521)`,
  );
}

function encrypted(where: string): IrsaError {
  return new IrsaError(
    E.ERR_KEY_ENCRYPTED,
    `${where}: encrypted private keys are not supported (kube-apiserver cannot read them either); decrypt it first`,
  );
}

function badCurve(where: string, curve: string): IrsaError {
  return new IrsaError(E.ERR_KEY_CURVE, `${where}: EC curve ${curve} is not supported; use P-256, P-384 or P-521`);
}

function unsupported(where: string, why: string): IrsaError {
  return new IrsaError(E.ERR_KEY_UNSUPPORTED, `${where}: ${why}`);
}

function short(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/** Human name of an encoding, for warnings. */
export const ENCODING_NAMES: Record<KeyEncoding, string> = {
  'spki-public': 'SPKI public key',
  'x509-certificate': 'X.509 certificate',
  'pkcs1-private': 'PKCS#1 RSA private key',
  'sec1-private': 'SEC1 EC private key',
  'pkcs8-private': 'PKCS#8 private key',
  'pkcs1-public': 'PKCS#1 RSA public key',
  jwk: 'JWK',
};
