// The key parser and generator (src/core/keys): every encoding kube-apiserver reads and the extra ones we accept,
// what kube-apiserver itself would accept, and every refusal with its stable code.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { IrsaError } from '../../src/core/errors.js';
import { generateSigningKey } from '../../src/core/keys/generate.js';
import { keyId } from '../../src/core/keys/kid.js';
import { parseKeys } from '../../src/core/keys/parse.js';
import { tempDir } from '../support/cli.js';
import {
  acceptedFixtures,
  EC_KID,
  EC_PRIVATE,
  EC_PUBLIC,
  RSA_KID,
  RSA_PRIVATE,
  RSA_PUBLIC,
  rejectedFixtures,
} from '../support/key-fixtures.js';

const parseFile = (path: string) => parseKeys(readFileSync(path), path);

test('Kubernetes vector keys: encoding, alg, kid, private half kept only for private inputs', () => {
  const [rsaPub] = parseFile(RSA_PUBLIC);
  assert.deepEqual(
    [rsaPub.kty, rsaPub.alg, rsaPub.bits, rsaPub.encoding, rsaPub.kid, rsaPub.kubeApiserverAccepts],
    ['RSA', 'RS256', 2048, 'spki-public', RSA_KID, true],
  );
  assert.equal(rsaPub.privateKey, undefined);
  const [rsaPriv] = parseFile(RSA_PRIVATE);
  assert.equal(rsaPriv.encoding, 'pkcs1-private');
  assert.equal(rsaPriv.kid, RSA_KID);
  assert.ok(rsaPriv.privateKey);
  const [ecPub] = parseFile(EC_PUBLIC);
  assert.deepEqual([ecPub.kty, ecPub.alg, ecPub.curve, ecPub.kid], ['EC', 'ES256', 'P-256', EC_KID]);
  const [ecPriv] = parseFile(EC_PRIVATE);
  assert.deepEqual([ecPriv.encoding, ecPriv.kid, ecPriv.kubeApiserverAccepts], ['sec1-private', EC_KID, true]);
  assert.ok(ecPriv.privateKey);
});

test('every accepted encoding yields the vector kid; kubeApiserverAccepts follows keyutil.ParsePublicKeysPEM', (t) => {
  const f = acceptedFixtures(tempDir(t));
  const one = (name: string) => {
    const keys = parseFile(f[name]);
    assert.equal(keys.length, 1, name);
    return keys[0];
  };
  const cert = one('rsa-cert.pem');
  assert.deepEqual([cert.encoding, cert.kid, cert.kubeApiserverAccepts], ['x509-certificate', RSA_KID, true]);
  // PKCS#8: kube's parseRSAPrivateKey tries PKCS#1 then PKCS#8; its parseECPrivateKey reads SEC1 only.
  const rsa8 = one('rsa-pkcs8.pem');
  assert.deepEqual([rsa8.encoding, rsa8.kid, rsa8.kubeApiserverAccepts], ['pkcs8-private', RSA_KID, true]);
  assert.ok(rsa8.privateKey);
  const ec8 = one('ec-pkcs8.pem');
  assert.deepEqual([ec8.encoding, ec8.kid, ec8.kubeApiserverAccepts], ['pkcs8-private', EC_KID, false]);
  const pkcs1pub = one('rsa-pkcs1-public.pem');
  assert.deepEqual([pkcs1pub.encoding, pkcs1pub.kid, pkcs1pub.kubeApiserverAccepts], ['pkcs1-public', RSA_KID, false]);
  const jwk = one('rsa.jwk.json');
  assert.deepEqual([jwk.encoding, jwk.kid, jwk.kubeApiserverAccepts], ['jwk', RSA_KID, false]);
  const ecJwk = one('ec-private.jwk.json');
  assert.deepEqual([ecJwk.encoding, ecJwk.kid], ['jwk', EC_KID]);
  assert.ok(ecJwk.privateKey, 'a JWK with d keeps its private half');

  const set = parseFile(f['both.jwks.json']);
  assert.deepEqual(
    set.map((k) => [k.kid, k.source.endsWith('#1') || k.source.endsWith('#2')]),
    [
      [RSA_KID, true],
      [EC_KID, true],
    ],
  );
  // EC PARAMETERS is skipped (as kube-apiserver tolerates non-key blocks); two keys in file order.
  const multi = parseFile(f['multi.pem']);
  assert.deepEqual(
    multi.map((k) => [k.kid, k.encoding]),
    [
      [EC_KID, 'sec1-private'],
      [RSA_KID, 'spki-public'],
    ],
  );
  assert.match(multi[0].source, /multi\.pem#2$/, 'the block number counts the EC PARAMETERS block');
});

test('every rejected input fails with its code and a one-line message naming the file', (t) => {
  for (const [name, c] of Object.entries(rejectedFixtures(tempDir(t)))) {
    assert.throws(
      () => parseFile(c.file),
      (e: unknown) => {
        assert.ok(e instanceof IrsaError, name);
        assert.equal(e.code, c.code, `${name}: ${e.message}`);
        assert.match(e.message, c.message, name);
        assert.ok(e.message.includes(c.file), `${name}: message names the file: ${e.message}`);
        assert.doesNotMatch(e.message, /\n/, name);
        return true;
      },
      name,
    );
  }
});

test('kid is base64url(SHA-256(SPKI DER)), 43 characters, no padding', () => {
  const pub = createPublicKey(readFileSync(RSA_PUBLIC));
  assert.equal(keyId(pub), RSA_KID);
  assert.match(keyId(pub), /^[A-Za-z0-9_-]{43}$/);
});

test('generateSigningKey: PKCS#1 / SEC1 private, SPKI public, matching alg and curve', () => {
  const cases = [
    { spec: { type: 'rsa', bits: 2048 }, header: 'RSA PRIVATE KEY', alg: 'RS256', bits: 2048 },
    { spec: { type: 'rsa', bits: 3072 }, header: 'RSA PRIVATE KEY', alg: 'RS256', bits: 3072 },
    { spec: { type: 'ec', curve: 'P-256' }, header: 'EC PRIVATE KEY', alg: 'ES256', curve: 'P-256' },
    { spec: { type: 'ec', curve: 'P-384' }, header: 'EC PRIVATE KEY', alg: 'ES384', curve: 'P-384' },
    { spec: { type: 'ec', curve: 'P-521' }, header: 'EC PRIVATE KEY', alg: 'ES512', curve: 'P-521' },
  ] as const;
  for (const c of cases) {
    const pair = generateSigningKey(c.spec);
    assert.match(pair.privatePem, new RegExp(`^-----BEGIN ${c.header}-----\n`));
    assert.match(pair.publicPem, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.equal(pair.key.alg, c.alg);
    if ('bits' in c) assert.equal(pair.key.bits, c.bits);
    if ('curve' in c) assert.equal(pair.key.curve, c.curve);
    // Both files describe the same key.
    const [pub] = parseKeys(pair.publicPem, 'pub');
    assert.equal(pub.kid, pair.key.kid);
  }
});

test('generateSigningKey refuses RSA under 2048 bits, odd sizes and unknown curves', () => {
  for (const bits of [1024, 2047, 2049, 0, 32768]) {
    assert.throws(
      () => generateSigningKey({ type: 'rsa', bits }),
      (e: unknown) => e instanceof IrsaError && e.code === 'ERR_KEY_TOO_SMALL' && /--bits/.test(e.message),
      String(bits),
    );
  }
  assert.throws(
    () => generateSigningKey({ type: 'ec', curve: 'secp256k1' as never }),
    (e: unknown) => e instanceof IrsaError && e.code === 'ERR_KEY_CURVE',
  );
});
