import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { E, IrsaError } from '../errors.js';
import { derTrailingBytes } from './der.js';
import { keyId } from './kid.js';
import { checkJwkPair } from './jwk-pair.js';
import { checkKeyPair } from './pair.js';
import { pemBlocks, pemBytes } from './pem.js';

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
  /** Why not, when the encoding alone does not say it (ENCODING_NAMES does). */
  kubeApiserverRefusal?: string;
}

const CURVES: Record<string, { curve: Curve; alg: SigningAlg }> = {
  prime256v1: { curve: 'P-256', alg: 'ES256' },
  secp384r1: { curve: 'P-384', alg: 'ES384' },
  secp521r1: { curve: 'P-521', alg: 'ES512' },
};
const JWK_CURVES: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };

/** Minimum RSA modulus: AWS and current guidance; kube-apiserver itself takes any size. */
export const MIN_RSA_BITS = 2048;

/**
 * Reads every RSA/EC key in one input (PEM with one or more blocks, or JWK/JWKS JSON). Non-key PEM blocks (such as
 * `EC PARAMETERS`) are skipped, as kube-apiserver skips them. Unsupported keys are errors naming `source`. Linear
 * in the size of the input, whatever it holds (pem.ts).
 */
export function parseKeys(input: string | Uint8Array, source: string): LoadedKey[] {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return parseJwkText(trimmed, source);

  const blocks = pemBlocks(text);
  const keys: LoadedKey[] = [];
  blocks.forEach((block, i) => {
    const where = `${source}#${i + 1}`;
    // OpenSSL's legacy encrypted PEM ("Proc-Type: 4,ENCRYPTED" + "DEK-Info" headers) inside an ordinary label.
    if (/Proc-Type:\s*4,ENCRYPTED/i.test(block.body)) throw encrypted(where);
    const key = fromPemBlock(block.label, pemBytes(block), where);
    if (key) keys.push(key);
  });
  if (keys.length === 0) {
    throw new IrsaError(
      E.ERR_KEY_NOT_FOUND,
      blocks.length
        ? `${source}: no RSA or EC key in its PEM blocks`
        : text.includes('-----BEGIN ')
          ? `${source}: no complete PEM block (a "-----BEGIN" line without its "-----END" line)`
          : `${source}: not a PEM key, certificate or JWK (no "-----BEGIN" block or JSON object found)`,
    );
  }
  return keys;
}

function fromPemBlock(label: string, der: Buffer, where: string): LoadedKey | undefined {
  try {
    const key = keyOfBlock(label, der, where);
    if (key && GO_REFUSES_TRAILING_DATA.has(key.encoding) && derTrailingBytes(der) !== 0) {
      // node:crypto read it; Go's parser (kube-apiserver) refuses bytes after the key.
      key.kubeApiserverAccepts = false;
      key.kubeApiserverRefusal = "bytes follow the key in its DER, which Go's x509 parser refuses";
    }
    return key;
  } catch (e) {
    if (e instanceof IrsaError) throw e;
    throw new IrsaError(E.ERR_KEY_INVALID, `${where}: "${label}" block does not hold a valid key`);
  }
}

/** ParsePKIXPublicKey, ParseCertificate and ParsePKCS1PrivateKey check for trailing data; PKCS#8 and SEC1 do not. */
const GO_REFUSES_TRAILING_DATA: ReadonlySet<KeyEncoding> = new Set<KeyEncoding>([
  'spki-public',
  'x509-certificate',
  'pkcs1-private',
]);

function keyOfBlock(label: string, der: Buffer, where: string): LoadedKey | undefined {
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
}

function fromPrivate(privateKey: KeyObject, encoding: KeyEncoding, where: string): LoadedKey {
  const key = describe(createPublicKey(privateKey), privateKey, encoding, where);
  checkKeyPair(privateKey, key.publicKey, where);
  return key;
}

function parseJwkText(text: string, source: string): LoadedKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new IrsaError(E.ERR_KEY_INVALID, `${source}: invalid JSON, so not a JWK or JWKS`);
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
  if (j.kty === 'EC' && typeof j.crv === 'string' && !Object.hasOwn(JWK_CURVES, j.crv)) throw badCurve(where, j.crv);
  if (j.kty !== 'RSA' && j.kty !== 'EC') throw unsupported(where, `JWK kty ${JSON.stringify(j.kty)} is not RSA or EC`);
  const pub = j.kty === 'RSA' ? { kty: 'RSA', n: j.n, e: j.e } : { kty: 'EC', crv: j.crv, x: j.x, y: j.y };
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: pub as never, format: 'jwk' });
  } catch {
    throw invalidJwk(where, j.kty);
  }
  const key = describe(publicKey, undefined, 'jwk', where);
  return typeof j.d === 'string' ? { ...key, privateKey: jwkPrivateKey(j, publicKey, where) } : key;
}

/**
 * The private half of a JWK that has one, proven to belong to its public half. The members are compared before the
 * import because Node 24+ refuses mixed halves at import and Node 20/22 do not (jwk-pair.ts decides for every Node).
 */
function jwkPrivateKey(j: Record<string, unknown>, publicKey: KeyObject, where: string): KeyObject {
  checkJwkPair(j, JWK_CURVES[String(j.crv)], where);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: j as never, format: 'jwk' });
  } catch {
    throw invalidJwk(where, j.kty);
  }
  checkKeyPair(privateKey, publicKey, where);
  return privateKey;
}

function invalidJwk(where: string, kty: unknown): IrsaError {
  return new IrsaError(
    E.ERR_KEY_INVALID,
    `${where}: not a valid ${String(kty)} JWK (a member is missing or malformed)`,
  );
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
