// The key parser and generator (src/core/keys): every encoding kube-apiserver reads and the extra ones we accept,
// what kube-apiserver itself would accept, and every refusal with its stable code.
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { pemCertificatesToDer } from '../../src/core/aws/thumbprint.js';
import { IrsaError } from '../../src/core/errors.js';
import { generateSigningKey } from '../../src/core/keys/generate.js';
import { keyId } from '../../src/core/keys/kid.js';
import { parseKeys } from '../../src/core/keys/parse.js';
import { runCli, tempDir } from '../support/cli.js';
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

test('a JWK whose public and private halves come from different keys is refused before signing (issue 9 item 7)', async (t) => {
  const dir = tempDir(t);
  const mixedJwk = (type: 'rsa' | 'ec') => {
    const [a, b] = [0, 1].map(() =>
      type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
    );
    const pub = a.publicKey.export({ format: 'jwk' });
    return {
      ...b.privateKey.export({ format: 'jwk' }),
      ...(type === 'rsa' ? { n: pub.n, e: pub.e } : { x: pub.x, y: pub.y }),
    };
  };
  // The reproduction: `token mint` with n of one RSA key and d/p/q of another exited 0 with a token that cannot
  // verify; the EC variant failed with only "Invalid keyData".
  for (const type of ['rsa', 'ec'] as const) {
    const file = join(dir, `mixed-${type}.jwk.json`);
    writeFileSync(file, JSON.stringify(mixedJwk(type)));
    const mint = ['token', 'mint', '--signing-key', file, '--issuer', 'https://oidc.example.com'];
    const r = await runCli([...mint, '--namespace', 'default', '--service-account', 'app']);
    assert.equal(r.code, 1, `${type}: ${r.stdout}`);
    assert.equal(r.stdout, '', 'no token');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(
      r.stderr,
      /^irsa token mint: .*mixed-(rsa|ec)\.jwk\.json: the private key does not belong to the public key/,
    );
    assert.doesNotMatch(r.stderr, /keyData/);
    const json = await runCli([...mint, '--namespace', 'default', '--service-account', 'app', '--output', 'json']);
    assert.equal(JSON.parse(json.stdout).error.code, 'ERR_KEY_MISMATCH');
  }
  // In the core, the same refusal for both types; a consistent JWK pair still loads with its private half.
  for (const type of ['rsa', 'ec'] as const) {
    assert.throws(
      () => parseKeys(JSON.stringify(mixedJwk(type)), 'mixed'),
      (e: unknown) => e instanceof IrsaError && e.code === 'ERR_KEY_MISMATCH',
    );
  }
  const whole = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  assert.ok(parseKeys(JSON.stringify(whole), 'whole')[0].privateKey);
});

test('a JWK with inconsistent private members gets the same code on every Node (issue 14)', () => {
  // Node 24+ refuses such JWKs at import (ERR_CRYPTO_INVALID_JWK) where Node 20/22 import them: the parser compares
  // the members first (keys/jwk-pair.ts), so .ci/run sees the same codes on 20, 22, 24 and 26.
  const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = (curve: string) => generateKeyPairSync('ec', { namedCurve: curve }).privateKey.export({ format: 'jwk' });
  const [a, b, p256, p521a, p521b] = [rsa(), rsa(), ec('prime256v1'), ec('secp521r1'), ec('secp521r1')];
  const cases: [string, object, string | undefined][] = [
    ['RSA p of another key', { ...a, p: b.p }, 'ERR_KEY_MISMATCH'],
    ['P-521 x/y of another key', { ...p521a, x: p521b.x, y: p521b.y }, 'ERR_KEY_MISMATCH'],
    ['EC d = 0', { ...p256, d: 'AAAA' }, 'ERR_KEY_INVALID'],
    ['EC d beyond the order', { ...p256, d: Buffer.alloc(32, 0xff).toString('base64url') }, 'ERR_KEY_INVALID'],
    ['RSA d without p and q', { kty: 'RSA', n: a.n, e: a.e, d: a.d }, 'ERR_KEY_INVALID'],
    // CRT members alone off: the import takes them on every version and signing still proves the pair.
    ['RSA dp of another key', { ...a, dp: b.dp }, undefined],
  ];
  for (const [name, jwk, code] of cases) {
    if (code === undefined) {
      assert.ok(parseKeys(JSON.stringify(jwk), name)[0].privateKey, name);
      continue;
    }
    assert.throws(
      () => parseKeys(JSON.stringify(jwk), name),
      (e: unknown) => e instanceof IrsaError && e.code === code && e.message.startsWith(`${name}: `),
      `${name} on ${process.version}`,
    );
  }
});

test('a megabyte of "-----BEGIN A-----" lines is refused in linear time, by the key and certificate parsers', () => {
  // The reproduction: 60,000 such lines (1 MB) took 24 s to reject: a lazy-body regex rescanned the rest of the
  // text from every BEGIN without an END (quadratic), in keys/parse.ts and in thumbprint.ts.
  const text = '-----BEGIN A-----\n'.repeat(60_000);
  const started = performance.now();
  assert.throws(
    () => parseKeys(text, 'begin.pem'),
    (e: unknown) => e instanceof IrsaError && e.code === 'ERR_KEY_NOT_FOUND' && /no complete PEM block/.test(e.message),
  );
  assert.deepEqual(pemCertificatesToDer('-----BEGIN CERTIFICATE-----\n'.repeat(60_000)), []);
  const ms = performance.now() - started;
  // Only a regression fails this: both took 24 s and more before, a few milliseconds now (a margin of ~1000x
  // for a loaded machine).
  assert.ok(ms < 3000, `${Math.round(ms)} ms for 2 MB of BEGIN lines`);
  // Still correct around such noise: blocks without END, or with another label's END, are skipped and the key found.
  const noise = `${'-----BEGIN X-----\n'.repeat(1000)}-----BEGIN Y-----\n-----END Z-----\n`;
  const [key] = parseKeys(noise + readFileSync(RSA_PUBLIC, 'utf8'), 'noisy.pem');
  assert.equal(key.kid, RSA_KID);
});

test('DER with bytes after the key: Go (kube-apiserver) refuses SPKI, certificates and PKCS#1, reads PKCS#8 and SEC1', (t) => {
  const rsa = createPrivateKey(readFileSync(RSA_PRIVATE));
  const ec = createPrivateKey(readFileSync(EC_PRIVATE));
  const pem = (label: string, der: Buffer) =>
    `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
  const extra = Buffer.from([0x05, 0x00]);
  const withExtra = (label: string, der: Buffer) => parseKeys(pem(label, Buffer.concat([der, extra])), 'x.pem')[0];
  // The reproduction: an SPKI public key with trailing bytes was reported as readable by kube-apiserver, whose
  // x509.ParsePKIXPublicKey answers "trailing data after ASN.1 of public-key".
  const spki = createPublicKey(rsa).export({ type: 'spki', format: 'der' });
  const spkiKey = withExtra('PUBLIC KEY', spki);
  assert.deepEqual([spkiKey.kid, spkiKey.kubeApiserverAccepts], [RSA_KID, false]);
  assert.match(spkiKey.kubeApiserverRefusal ?? '', /bytes follow the key/);
  const [certDer] = pemCertificatesToDer(readFileSync(acceptedFixtures(tempDir(t))['rsa-cert.pem'], 'utf8'));
  assert.equal(withExtra('CERTIFICATE', certDer).kubeApiserverAccepts, false, 'x509.ParseCertificate: trailing data');
  const pkcs1 = rsa.export({ type: 'pkcs1', format: 'der' });
  assert.equal(withExtra('RSA PRIVATE KEY', pkcs1).kubeApiserverAccepts, false, 'ParsePKCS1PrivateKey: trailing data');
  // Go's ParsePKCS8PrivateKey and ParseECPrivateKey ignore what follows, so kube-apiserver reads these.
  const pkcs8 = rsa.export({ type: 'pkcs8', format: 'der' });
  assert.equal(withExtra('PRIVATE KEY', pkcs8).kubeApiserverAccepts, true);
  const sec1 = ec.export({ type: 'sec1', format: 'der' });
  assert.equal(withExtra('EC PRIVATE KEY', sec1).kubeApiserverAccepts, true);
  // Without the extra bytes, nothing changes.
  const clean = parseKeys(pem('PUBLIC KEY', spki), 'clean.pem')[0];
  assert.deepEqual([clean.kubeApiserverAccepts, clean.kubeApiserverRefusal], [true, undefined]);
});

test('property: hostile key files never throw anything but an IrsaError with a key code, in one line', () => {
  const rsaPem = readFileSync(RSA_PRIVATE, 'utf8');
  const ecPem = readFileSync(EC_PRIVATE, 'utf8');
  const pubPem = readFileSync(RSA_PUBLIC, 'utf8');
  const jwk = createPrivateKey(rsaPem).export({ format: 'jwk' }) as Record<string, unknown>;
  const labels = ['PUBLIC KEY', 'CERTIFICATE', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'PRIVATE KEY', 'RSA PUBLIC KEY'];
  const block = (label: string, body: Uint8Array) =>
    `-----BEGIN ${label}-----\n${Buffer.from(body).toString('base64')}\n-----END ${label}-----\n`;
  const derOf = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const flip = (der: Buffer, at: number, bit: number) => {
    const copy = Buffer.from(der);
    copy[at % copy.length] ^= 1 << bit;
    return copy;
  };
  const jsonValue = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.constant(null),
    fc.boolean(),
    fc.array(fc.string(), { maxLength: 3 }),
  );
  const hostile = fc.oneof(
    fc.string({ maxLength: 2000 }),
    fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b).toString('latin1')),
    fc.tuple(fc.constantFrom(...labels), fc.uint8Array({ maxLength: 600 })).map(([l, b]) => block(l, b)),
    // A real key's DER with one bit flipped, cut short, or with bytes after it, under every label.
    fc
      .tuple(
        fc.constantFrom(rsaPem, ecPem, pubPem),
        fc.constantFrom(...labels),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
      )
      .map(([p, l, at, bit]) => block(l, flip(derOf(p), at, bit))),
    fc.tuple(fc.constantFrom(rsaPem, ecPem, pubPem), fc.constantFrom(...labels), fc.nat()).map(([p, l, n]) => {
      const der = derOf(p);
      return block(l, der.subarray(0, n % der.length));
    }),
    fc
      .tuple(fc.constantFrom(rsaPem, ecPem, pubPem), fc.uint8Array({ minLength: 1, maxLength: 8 }))
      .map(([p, b]) =>
        block(
          p.includes('EC') ? 'EC PRIVATE KEY' : p.includes('PUBLIC') ? 'PUBLIC KEY' : 'RSA PRIVATE KEY',
          Buffer.concat([derOf(p), b]),
        ),
      ),
    // JWKs and JWK sets with members replaced by anything.
    fc
      .dictionary(fc.constantFrom('kty', 'crv', 'n', 'e', 'd', 'p', 'q', 'x', 'y', 'keys', 'alg'), jsonValue)
      .map((o) => JSON.stringify(o)),
    fc
      .tuple(fc.constantFrom('n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi', 'kty'), jsonValue)
      .map(([k, v]) => JSON.stringify({ keys: [{ ...jwk, [k]: v }] })),
    fc.nat({ max: 3000 }).map((n) => `${'-----BEGIN A-----\n'.repeat(n)}${'-----END B-----\n'.repeat(n)}`),
  );
  let slowest = 0;
  fc.assert(
    fc.property(hostile, (text) => {
      const started = performance.now();
      try {
        const keys = parseKeys(text, 'hostile');
        assert.ok(keys.length > 0);
      } catch (e) {
        assert.ok(e instanceof IrsaError, `not an IrsaError: ${String(e)}`);
        assert.match(e.code, /^ERR_KEY_/);
        assert.doesNotMatch(e.message, /\n/);
        assert.ok(e.message.startsWith('hostile'), e.message);
      }
      slowest = Math.max(slowest, performance.now() - started);
    }),
    { seed: 9_7, numRuns: 3000 },
  );
  // Reported, with a bound only a pathological parser reaches (the quadratic one took seconds on 100 kB).
  assert.ok(slowest < 2000, `slowest case ${Math.round(slowest)} ms`);
});
