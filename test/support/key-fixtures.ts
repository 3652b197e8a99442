// Key files in every encoding the key parser meets, made at test time (node:crypto and the openssl CLI), so the
// tests exercise real encodings rather than hand-written strings.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS } from './cli.js';

export const RSA_PRIVATE = join(VECTORS, 'rsa-private.pem');
export const RSA_PUBLIC = join(VECTORS, 'rsa-public.pem');
export const EC_PRIVATE = join(VECTORS, 'ecdsa-private.pem');
export const EC_PUBLIC = join(VECTORS, 'ecdsa-public.pem');
export const OTHER_PUBLIC = join(VECTORS, 'other-public.pem');

export const EXPECTED = JSON.parse(readFileSync(join(VECTORS, 'expected.json'), 'utf8')) as {
  keyIds: Record<string, string>;
  rejectedIssuers: string[];
  rejectedJwksUris: string[];
};
export const RSA_KID = EXPECTED.keyIds['rsa-public.pem'];
export const EC_KID = EXPECTED.keyIds['ecdsa-public.pem'];

/** Every accepted encoding, derived from Kubernetes' vector keys so the kid is known. */
export function acceptedFixtures(dir: string): Record<string, string> {
  const rsa = createPrivateKey(readFileSync(RSA_PRIVATE));
  const ec = createPrivateKey(readFileSync(EC_PRIVATE));
  const files: Record<string, string> = {
    'rsa-pkcs8.pem': rsa.export({ type: 'pkcs8', format: 'pem' }) as string,
    'ec-pkcs8.pem': ec.export({ type: 'pkcs8', format: 'pem' }) as string,
    'rsa-pkcs1-public.pem': createPublicKey(rsa).export({ type: 'pkcs1', format: 'pem' }) as string,
    'rsa.jwk.json': JSON.stringify(createPublicKey(rsa).export({ format: 'jwk' })),
    'ec-private.jwk.json': JSON.stringify(ec.export({ format: 'jwk' })),
    'both.jwks.json': JSON.stringify({
      keys: [createPublicKey(rsa).export({ format: 'jwk' }), createPublicKey(ec).export({ format: 'jwk' })],
    }),
    // EC PARAMETERS before the key, as `openssl ecparam -genkey` writes it; then a second key in the same file.
    'multi.pem': `${execFileSync('openssl', ['ecparam', '-name', 'prime256v1'], { encoding: 'utf8' })}${readFileSync(EC_PRIVATE, 'utf8')}${readFileSync(RSA_PUBLIC, 'utf8')}`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  execFileSync('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    RSA_PRIVATE,
    '-subj',
    '/CN=irsa-test',
    '-days',
    '1',
    '-out',
    join(dir, 'rsa-cert.pem'),
  ]);
  return Object.fromEntries(['rsa-cert.pem', ...Object.keys(files)].map((n) => [n, join(dir, n)]));
}

/** Inputs that must be refused, with the code the parser gives each. */
export function rejectedFixtures(dir: string): Record<string, { file: string; code: string; message: RegExp }> {
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const k256 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  const ed = generateKeyPairSync('ed25519');
  const rsa = createPrivateKey(readFileSync(RSA_PRIVATE));
  const cases: Record<string, { text: string; code: string; message: RegExp }> = {
    'oct.jwk.json': {
      text: JSON.stringify({ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ' }),
      code: 'ERR_KEY_SYMMETRIC',
      message: /symmetric/,
    },
    'rsa1024.pub': {
      text: rsa1024.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      code: 'ERR_KEY_TOO_SMALL',
      message: /1024 bits/,
    },
    'secp256k1.pub': {
      text: k256.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      code: 'ERR_KEY_CURVE',
      message: /secp256k1/,
    },
    'secp256k1.jwk.json': {
      text: JSON.stringify(k256.publicKey.export({ format: 'jwk' })),
      code: 'ERR_KEY_CURVE',
      message: /secp256k1/,
    },
    'ed25519.pub': {
      text: ed.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      code: 'ERR_KEY_UNSUPPORTED',
      message: /ed25519/i,
    },
    'ed25519.jwk.json': {
      text: JSON.stringify(ed.publicKey.export({ format: 'jwk' })),
      code: 'ERR_KEY_UNSUPPORTED',
      message: /Ed25519/,
    },
    'garbage.txt': { text: 'hello, this is not a key\n', code: 'ERR_KEY_NOT_FOUND', message: /not a PEM key/ },
    'empty.pem': { text: '', code: 'ERR_KEY_NOT_FOUND', message: /not a PEM key/ },
    'bad-json.json': { text: '{"kty": "RSA", ', code: 'ERR_KEY_INVALID', message: /invalid JSON/ },
    'empty.jwks.json': { text: '{"keys":[]}', code: 'ERR_KEY_NOT_FOUND', message: /no keys/ },
    'encrypted-pkcs8.pem': {
      text: rsa.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string,
      code: 'ERR_KEY_ENCRYPTED',
      message: /encrypted/,
    },
    'encrypted-pkcs1.pem': {
      text: rsa.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string,
      code: 'ERR_KEY_ENCRYPTED',
      message: /encrypted/,
    },
    'corrupt.pem': {
      text: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
      code: 'ERR_KEY_INVALID',
      message: /does not hold a valid key/,
    },
    'csr-only.pem': {
      text: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
      code: 'ERR_KEY_NOT_FOUND',
      message: /no RSA or EC key/,
    },
  };
  const out: Record<string, { file: string; code: string; message: RegExp }> = {};
  for (const [name, c] of Object.entries(cases)) {
    const file = join(dir, name);
    writeFileSync(file, c.text);
    out[name] = { file, code: c.code, message: c.message };
  }
  return out;
}
