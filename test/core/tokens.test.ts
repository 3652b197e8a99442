// Tokens (src/core/tokens): minting in kube-apiserver's exact shape, verified with jose against our JWKS;
// decoding; and the inspector's summary and every finding.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { tokenChecks } from '../../src/core/doctor/token-checks.js';
import { IrsaError } from '../../src/core/errors.js';
import { buildJwks } from '../../src/core/issuer/jwks.js';
import { duplicateMembers } from '../../src/core/json/duplicate-members.js';
import { type LoadedKey, parseKeys } from '../../src/core/keys/parse.js';
import { decodeToken } from '../../src/core/tokens/decode.js';
import { duration, type FindingId, inspectToken } from '../../src/core/tokens/inspect.js';
import { mintToken } from '../../src/core/tokens/mint.js';
import { EC_KID, EC_PRIVATE, RSA_KID, RSA_PRIVATE, RSA_PUBLIC } from '../support/key-fixtures.js';

const ISSUER = 'https://oidc.example.com/cluster1';
const NOW = 1_800_000_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const load = (file: string) => parseKeys(readFileSync(file), file)[0];
const fromPem = (pem: string) => parseKeys(pem, 'generated')[0];
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const parts = (token: string) => token.split('.');

/** An unsigned token with whatever header and payload a test needs (the inspector never verifies). */
function craft(header: Record<string, unknown>, payload: Record<string, unknown>, sigBytes = 256): string {
  return `${b64(header)}.${b64(payload)}.${Buffer.alloc(sigBytes, 7).toString('base64url')}`;
}
const goodHeader = { alg: 'RS256', kid: RSA_KID };
function goodPayload(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: ['sts.amazonaws.com'],
    exp: NOW + 86400,
    iat: NOW,
    iss: ISSUER,
    jti: '0b0e4f4e-6f55-4c31-9a48-1a0e1b7b6c8e',
    'kubernetes.io': {
      namespace: 'default',
      pod: { name: 'app-0', uid: 'pod-uid' },
      serviceaccount: { name: 'app', uid: 'sa-uid' },
    },
    nbf: NOW,
    sub: 'system:serviceaccount:default:app',
    ...over,
  };
}
const ids = (raw: string, now = NOW + 60) => inspectToken(raw, now).findings.map((f) => f.id);
const severityOf = (raw: string, id: FindingId, now = NOW + 60) =>
  inspectToken(raw, now).findings.find((f) => f.id === id)?.severity;

// ------------------------------------------------------------------------------------------------ mint

test('mint: header exactly {"alg","kid"}; claims in go-jose order; iat = nbf; exp = iat + 86400', async () => {
  const { token, claims } = await mintToken({
    signingKey: load(RSA_PRIVATE),
    issuer: ISSUER,
    namespace: 'default',
    serviceAccount: 'app',
    pod: { name: 'app-0', uid: 'pod-uid' },
    serviceAccountUid: 'sa-uid',
    now: NOW,
  });
  const [h, p] = parts(token);
  assert.equal(Buffer.from(h, 'base64url').toString(), `{"alg":"RS256","kid":"${RSA_KID}"}`);
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  assert.deepEqual(Object.keys(payload), ['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
  assert.deepEqual(claims, payload);
  assert.deepEqual(payload.aud, ['sts.amazonaws.com']);
  assert.equal(payload.iat, NOW);
  assert.equal(payload.nbf, NOW);
  assert.equal(payload.exp, NOW + 86400);
  assert.match(payload.jti, UUID);
  assert.equal(payload.sub, 'system:serviceaccount:default:app');
  assert.deepEqual(Object.keys(payload['kubernetes.io']), ['namespace', 'pod', 'serviceaccount']);
  assert.deepEqual(payload['kubernetes.io'], {
    namespace: 'default',
    pod: { name: 'app-0', uid: 'pod-uid' },
    serviceaccount: { name: 'app', uid: 'sa-uid' },
  });
});

test('mint: verifies with jose against the JWKS we publish, RSA and every EC curve', async () => {
  const keys: [string, LoadedKey][] = [
    ['RSA vector', load(RSA_PRIVATE)],
    ['P-256 vector', load(EC_PRIVATE)],
    [
      'P-384',
      fromPem(
        generateKeyPairSync('ec', {
          namedCurve: 'secp384r1',
          privateKeyEncoding: { type: 'sec1', format: 'pem' },
          publicKeyEncoding: { type: 'spki', format: 'pem' },
        }).privateKey,
      ),
    ],
    [
      'P-521',
      fromPem(
        generateKeyPairSync('ec', {
          namedCurve: 'secp521r1',
          privateKeyEncoding: { type: 'sec1', format: 'pem' },
          publicKeyEncoding: { type: 'spki', format: 'pem' },
        }).privateKey,
      ),
    ],
  ];
  const now = Math.floor(Date.now() / 1000);
  for (const [name, key] of keys) {
    const { token } = await mintToken({ signingKey: key, issuer: ISSUER, namespace: 'ns', serviceAccount: 'sa', now });
    // The JWKS holds every key, so jose has to pick by kid.
    const jwks = createLocalJWKSet(buildJwks(keys.map(([, k]) => k)) as never);
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: ISSUER,
      audience: 'sts.amazonaws.com',
      subject: 'system:serviceaccount:ns:sa',
    });
    assert.equal(protectedHeader.alg, key.alg, name);
    assert.equal(protectedHeader.kid, key.kid, name);
    assert.equal(payload.exp, now + 86400, name);
  }
  assert.equal(keys[0][1].kid, RSA_KID);
  assert.equal(keys[1][1].kid, EC_KID);
  assert.deepEqual(
    keys.map(([, k]) => k.alg),
    ['RS256', 'ES256', 'ES384', 'ES512'],
  );
});

test('mint: a token signed by another key does not verify (the check can fail)', async () => {
  const other = fromPem(
    generateKeyPairSync('ec', {
      namedCurve: 'prime256v1',
      privateKeyEncoding: { type: 'sec1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey,
  );
  const { token } = await mintToken({ signingKey: other, issuer: ISSUER, namespace: 'ns', serviceAccount: 'sa' });
  await assert.rejects(jwtVerify(token, createLocalJWKSet(buildJwks([load(EC_PRIVATE)]) as never)));
});

test("mint: TokenRequest's expiration rules and texts; audiences; namespace and name checks", async () => {
  const base = { signingKey: load(EC_PRIVATE), issuer: ISSUER, namespace: 'ns', serviceAccount: 'sa', now: NOW };
  const code = (c: string, msg: RegExp) => (e: unknown) =>
    e instanceof IrsaError && e.code === c && msg.test(e.message);
  await assert.rejects(
    mintToken({ ...base, expirationSeconds: 599 }),
    code('ERR_TOKEN_EXPIRATION', /may not specify a duration less than 10 minutes/),
  );
  await assert.rejects(
    mintToken({ ...base, expirationSeconds: 2 ** 32 + 1 }),
    code('ERR_TOKEN_EXPIRATION', /may not specify a duration larger than 2\^32 seconds/),
  );
  await assert.rejects(mintToken({ ...base, expirationSeconds: 600.5 }), code('ERR_TOKEN_EXPIRATION', /10 minutes/));
  assert.equal((await mintToken({ ...base, expirationSeconds: 600 })).claims.exp, NOW + 600);
  assert.equal((await mintToken({ ...base, expirationSeconds: 2 ** 32 })).claims.exp, NOW + 2 ** 32);
  const multi = await mintToken({ ...base, audiences: ['sts.amazonaws.com', 'vault'] });
  assert.deepEqual(multi.claims.aud, ['sts.amazonaws.com', 'vault']);
  await assert.rejects(mintToken({ ...base, audiences: [''] }), code('ERR_TOKEN_AUDIENCE', /empty/));
  for (const namespace of ['Bad_NS', '-x', 'a'.repeat(64), '']) {
    await assert.rejects(mintToken({ ...base, namespace }), code('ERR_TOKEN_NAMESPACE', /DNS label/), namespace);
  }
  await assert.rejects(
    mintToken({ ...base, serviceAccount: 'Has:Colon' }),
    code('ERR_TOKEN_SERVICE_ACCOUNT', /DNS subdomain/),
  );
  await assert.rejects(
    mintToken({ ...base, signingKey: load(RSA_PUBLIC) }),
    code('ERR_KEY_NOT_PRIVATE', /private key/),
  );
  // Without a pod, kubernetes.io has namespace and serviceaccount only; two mints get different jti and SA uid.
  const a = await mintToken(base);
  const b = await mintToken(base);
  assert.deepEqual(Object.keys(a.claims['kubernetes.io'] as object), ['namespace', 'serviceaccount']);
  assert.notEqual(a.claims.jti, b.claims.jti);
});

test("mint: payload bytes escape <, > and & as Go's encoder does", async () => {
  const { token } = await mintToken({
    signingKey: load(EC_PRIVATE),
    issuer: 'https://oidc.example.com/a&b<c>',
    namespace: 'ns',
    serviceAccount: 'sa',
    now: NOW,
  });
  const raw = Buffer.from(parts(token)[1], 'base64url').toString();
  assert.match(raw, /"iss":"https:\/\/oidc\.example\.com\/a\\u0026b\\u003cc\\u003e"/);
  assert.equal(JSON.parse(raw).iss, 'https://oidc.example.com/a&b<c>');
});

// ------------------------------------------------------------------------------------------------ decode

test('decode: malformed tokens are refused with a reason that never quotes the token', () => {
  const cases: [string, RegExp][] = [
    ['abc.def', /2 dot-separated parts/],
    ['a.b.c.d.e', /JWE/],
    [`${b64(goodHeader)}.not base64!.sig`, /payload is not base64url/],
    [`${b64('not json')}.${b64(goodPayload())}.sig`, /header is not JSON/],
    [`${b64(goodHeader)}.${b64([1, 2])}.sig`, /payload is not a JSON object/],
    [`${b64(goodHeader)}.${b64(goodPayload())}.si+g`, /signature is not base64url/],
  ];
  for (const [raw, msg] of cases) {
    assert.throws(
      () => decodeToken(raw),
      (e: unknown) =>
        e instanceof IrsaError && e.code === 'ERR_TOKEN_MALFORMED' && msg.test(e.message) && !e.message.includes(raw),
      raw,
    );
  }
  assert.throws(() => inspectToken('  \n', NOW), /token is empty/);
  assert.throws(() => inspectToken(`Bearer ${craft(goodHeader, goodPayload())}`, NOW), /starts with "Bearer "/);
});

// ------------------------------------------------------------------------------------------------ inspect

test('inspect: summary of a good kube-shaped token, no findings, never the token or its signature', async () => {
  const { token } = await mintToken({
    signingKey: load(RSA_PRIVATE),
    issuer: ISSUER,
    namespace: 'default',
    serviceAccount: 'app',
    pod: { name: 'app-0', uid: 'pod-uid' },
    serviceAccountUid: 'sa-uid',
    now: NOW,
  });
  const r = inspectToken(token, NOW + 60);
  assert.deepEqual(r.findings, []);
  const s = r.summary;
  assert.deepEqual(s.header, { alg: 'RS256', kid: RSA_KID });
  assert.equal(s.issuer, ISSUER);
  assert.equal(s.namespace, 'default');
  assert.equal(s.serviceAccount, 'app');
  assert.deepEqual(s.audiences, ['sts.amazonaws.com']);
  assert.equal(s.audienceForm, 'array');
  assert.equal(s.issuedAt?.iso, '2027-01-15T08:00:00Z');
  assert.equal(s.issuedAt?.relative, '1m ago');
  assert.equal(s.expiresAt?.iso, '2027-01-16T08:00:00Z');
  assert.equal(s.countdown, 'expires in 23h59m');
  assert.equal(s.lifetimeSeconds, 86400);
  assert.deepEqual(s.binding, {
    namespace: 'default',
    serviceAccount: { name: 'app', uid: 'sa-uid' },
    pod: { name: 'app-0', uid: 'pod-uid' },
  });
  assert.equal(s.signatureBytes, 256);
  assert.equal(s.length, token.length);
  const text = JSON.stringify(r);
  assert.ok(!text.includes(token));
  assert.ok(!text.includes(parts(token)[2]), 'no signature');
  assert.ok(!text.includes(parts(token)[1]), 'no encoded payload');
});

test('inspect: expired and not-yet-valid are errors with a countdown', () => {
  const raw = craft(goodHeader, goodPayload());
  const expired = inspectToken(raw, NOW + 86400 + 300);
  assert.equal(expired.summary.countdown, 'expired 5m ago');
  assert.deepEqual(
    expired.findings.map((f) => [f.id, f.severity]),
    [['expired', 'error']],
  );
  assert.match(expired.findings[0].message, /ExpiredTokenException/);
  // exp == now is already expired (RFC 7519: "on or after").
  assert.deepEqual(ids(raw, NOW + 86400), ['expired']);
  const early = inspectToken(raw, NOW - 120);
  assert.deepEqual(
    early.findings.map((f) => [f.id, f.severity]),
    [['not-yet-valid', 'error']],
  );
  assert.match(early.findings[0].message, /in 2m/);
  // iat in the future without nbf: a clock warning.
  const { nbf: _nbf, ...noNbf } = goodPayload();
  assert.deepEqual(ids(craft(goodHeader, noNbf), NOW - 30), ['iat-in-future']);
  assert.equal(severityOf(craft(goodHeader, goodPayload({ exp: undefined })), 'exp-missing'), 'error');
  assert.equal(severityOf(craft(goodHeader, goodPayload({ exp: NOW + 3600.5 })), 'timestamp-not-integer'), 'error');
  assert.equal(severityOf(craft(goodHeader, goodPayload({ iat: '1700000000' })), 'malformed-claim'), 'error');
});

test('inspect: audiences as string or array; missing; other audiences named', () => {
  const asString = inspectToken(craft(goodHeader, goodPayload({ aud: 'sts.amazonaws.com' })), NOW + 1);
  assert.deepEqual(asString.findings, []);
  assert.equal(asString.summary.audienceForm, 'string');
  assert.deepEqual(asString.summary.audiences, ['sts.amazonaws.com']);
  assert.deepEqual(ids(craft(goodHeader, goodPayload({ aud: ['vault', 'sts.amazonaws.com'] }))), []);

  const missing = inspectToken(craft(goodHeader, goodPayload({ aud: undefined })), NOW + 1);
  assert.deepEqual(
    missing.findings.map((f) => [f.id, f.severity]),
    [['aud-missing', 'error']],
  );
  assert.match(missing.findings[0].message, /Missing a required claim: aud/);
  assert.deepEqual(ids(craft(goodHeader, goodPayload({ aud: [] }))), ['aud-missing']);
  assert.deepEqual(ids(craft(goodHeader, goodPayload({ aud: [1] }))), ['malformed-claim', 'aud-missing']);

  const custom = inspectToken(craft(goodHeader, goodPayload({ aud: ['vault'] })), NOW + 1).findings;
  assert.deepEqual(
    custom.map((f) => [f.id, f.severity]),
    [['aud-not-sts', 'warning']],
  );
  assert.match(custom[0].message, /"vault" does not contain sts\.amazonaws\.com.*client ID/);
  for (const aud of [['https://kubernetes.default.svc.cluster.local', 'k3s'], [ISSUER]]) {
    const api = inspectToken(craft(goodHeader, goodPayload({ aud })), NOW + 1).findings;
    assert.equal(api[0].id, 'aud-not-sts');
    assert.match(api[0].message, /API audience.*kube-api-access/, aud.join());
  }
});

test('inspect: issuer findings (http, missing, query, trailing slash, port)', () => {
  const http = inspectToken(craft(goodHeader, goodPayload({ iss: 'http://oidc.example.com' })), NOW + 1);
  assert.deepEqual(
    http.findings.map((f) => [f.id, f.severity]),
    [['iss-not-https', 'error']],
  );
  assert.deepEqual(ids(craft(goodHeader, goodPayload({ iss: undefined }))), ['iss-missing']);
  assert.deepEqual(ids(craft(goodHeader, goodPayload({ iss: 'oidc.example.com' }))), ['iss-not-https']);
  assert.deepEqual(ids(craft(goodHeader, goodPayload({ iss: 'https://oidc.example.com?x=1' }))), ['iss-invalid']);
  const slash = inspectToken(craft(goodHeader, goodPayload({ iss: 'https://oidc.example.com/' })), NOW + 1).findings;
  assert.deepEqual(
    slash.map((f) => [f.id, f.severity]),
    [['iss-trailing-slash', 'info']],
  );
  assert.match(slash[0].message, /IAM OIDC provider URL/);
  assert.deepEqual(ids(craft(goodHeader, goodPayload({ iss: 'https://oidc.example.com:8443' }))), ['iss-port']);
  const internal = inspectToken(
    craft(goodHeader, goodPayload({ iss: 'https://kubernetes.default.svc.cluster.local' })),
    NOW + 1,
  ).findings;
  assert.deepEqual(
    internal.map((f) => [f.id, f.severity]),
    [['iss-not-public', 'info']],
  );
  assert.match(internal[0].message, /in-cluster API service name.*cannot reach/);
  assert.deepEqual(ids(craft(goodHeader, goodPayload({ iss: 'https://127.0.0.1:8443/c1' }))), [
    'iss-not-public',
    'iss-port',
  ]);
});

test('inspect: a legacy Secret-based token is one error, and its flat claims are read', () => {
  const legacy = craft(goodHeader, {
    iss: 'kubernetes/serviceaccount',
    'kubernetes.io/serviceaccount/namespace': 'default',
    'kubernetes.io/serviceaccount/secret.name': 'app-token-x7k2p',
    'kubernetes.io/serviceaccount/service-account.name': 'app',
    'kubernetes.io/serviceaccount/service-account.uid': 'sa-uid',
    sub: 'system:serviceaccount:default:app',
  });
  const r = inspectToken(legacy, NOW);
  assert.deepEqual(
    r.findings.map((f) => [f.id, f.severity]),
    [['legacy-token', 'error']],
  );
  assert.match(r.findings[0].message, /can never pass STS/);
  assert.equal(r.summary.legacy, true);
  assert.deepEqual(r.summary.binding, {
    namespace: 'default',
    serviceAccount: { name: 'app', uid: 'sa-uid' },
    secret: { name: 'app-token-x7k2p' },
  });
  assert.equal(r.summary.expiresAt, undefined);
});

test('inspect: algorithms STS refuses are errors; RS384 is only unusual; a missing kid is a warning', () => {
  const alg = (a: unknown) => craft({ alg: a, kid: RSA_KID }, goodPayload());
  assert.deepEqual(ids(alg('none')), ['alg-none']);
  assert.deepEqual(ids(alg('HS256')), ['alg-hmac']);
  for (const a of ['PS256', 'EdDSA', 'ES256K', 'ML-DSA-44']) {
    assert.deepEqual(ids(alg(a)), ['alg-unsupported'], a);
    assert.equal(severityOf(alg(a), 'alg-unsupported'), 'error');
  }
  assert.deepEqual(ids(alg(undefined)), ['alg-missing']);
  assert.deepEqual(ids(alg('RS384')), ['alg-not-kubernetes']);
  assert.equal(severityOf(alg('RS384'), 'alg-not-kubernetes'), 'info');
  const sigBytes: Record<string, number> = { RS256: 256, ES256: 64, ES384: 96, ES512: 132 };
  for (const [a, n] of Object.entries(sigBytes)) {
    assert.deepEqual(ids(craft({ alg: a, kid: RSA_KID }, goodPayload(), n)), [], a);
  }
  assert.deepEqual(ids(craft({ alg: 'RS256' }, goodPayload())), ['kid-missing']);
  assert.deepEqual(ids(craft({ alg: 'RS256', kid: '' }, goodPayload())), ['kid-missing']);
  assert.equal(severityOf(craft({ alg: 'RS256' }, goodPayload()), 'kid-missing'), 'warning');
  // Only alg, kid and typ of the header are reported.
  const h = inspectToken(craft({ alg: 'RS256', kid: 'k', typ: 'JWT', x5c: ['AAAA'] }, goodPayload()), NOW).summary
    .header;
  assert.deepEqual(h, { alg: 'RS256', kid: 'k', typ: 'JWT' });
});

test('inspect: size limit, whitespace around the token, lifetimes', () => {
  const big = craft(goodHeader, goodPayload({ 'https://aws.amazon.com/tags': 'x'.repeat(15000) }));
  assert.ok(big.length > 20000);
  assert.deepEqual(ids(big), ['too-long']);
  assert.deepEqual(inspectToken(big, NOW).summary.otherClaims, ['https://aws.amazon.com/tags']);
  const raw = craft(goodHeader, goodPayload());
  const nl = inspectToken(`${raw}\n`, NOW + 1).findings;
  assert.deepEqual(
    nl.map((f) => [f.id, f.severity]),
    [['trailing-whitespace', 'warning']],
  );
  assert.match(nl[0].message, /trailing newline.*verbatim/);
  assert.deepEqual(ids(` ${raw}`), ['trailing-whitespace']);
  assert.equal(inspectToken(`${raw}\n`, NOW).summary.length, raw.length);

  assert.deepEqual(ids(craft(goodHeader, goodPayload({ exp: NOW + 300 }))), ['lifetime-short']);
  assert.deepEqual(ids(craft(goodHeader, goodPayload({ exp: NOW + 2 * 86400 }))), ['lifetime-long']);
  assert.deepEqual(ids(craft(goodHeader, goodPayload({ exp: NOW + 86400 }))), []);
  // kube-apiserver's extended kube-api-access token: warnafter set, one year, API audience.
  const extended = craft(
    goodHeader,
    goodPayload({
      aud: ['https://kubernetes.default.svc.cluster.local'],
      exp: NOW + 31536000,
      'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'app', uid: 'u' }, warnafter: NOW + 3607 },
    }),
  );
  const ext = inspectToken(extended, NOW + 60);
  assert.deepEqual(
    ext.findings.map((f) => f.id),
    ['aud-not-sts', 'extended-expiration'],
  );
  assert.equal(ext.summary.binding?.warnAfter?.relative, 'in 59m7s');
});

test('inspect: subject and binding checks', () => {
  assert.deepEqual(ids(craft(goodHeader, goodPayload({ sub: 'user@example.com' }))), ['sub-not-service-account']);
  assert.deepEqual(ids(craft(goodHeader, goodPayload({ sub: 'system:serviceaccount:a:b:c' }))), [
    'sub-not-service-account',
  ]);
  const mismatch = craft(
    goodHeader,
    goodPayload({ 'kubernetes.io': { namespace: 'other', serviceaccount: { name: 'x', uid: 'u' } } }),
  );
  assert.deepEqual(ids(mismatch), ['binding-mismatch', 'binding-mismatch']);
});

test('inspect: findings are ordered error, warning, info', () => {
  const raw = `${craft({ alg: 'RS384' }, goodPayload({ iss: 'https://x.example/', aud: ['vault'] }))}\n`;
  const sev = inspectToken(raw, NOW + 86400 * 2).findings.map((f) => f.severity);
  assert.deepEqual(
    sev,
    [...sev].sort((a, b) => ['error', 'warning', 'info'].indexOf(a) - ['error', 'warning', 'info'].indexOf(b)),
  );
  assert.deepEqual(sev, ['error', 'warning', 'warning', 'warning', 'info', 'info']);
});

test('duration: two most significant units', () => {
  assert.deepEqual([0, 45, 60, 300, 330, 3600, 86340, 86400, 90000, 1.6].map(duration), [
    '0s',
    '45s',
    '1m',
    '5m',
    '5m30s',
    '1h',
    '23h59m',
    '1d',
    '1d1h',
    '2s',
  ]);
});

test("doctor warns about odd but not forged token shapes, with the sandbox's decision (U17-U19)", () => {
  const check = (raw: string) => tokenChecks(inspectToken(raw, NOW + 60), NOW + 60).find((c) => c.id === 'token');
  const crit = check(craft({ ...goodHeader, crit: ['x'], x: 1 }, goodPayload()));
  assert.equal(crit?.status, 'warn');
  assert.match(crit?.message ?? '', /"crit".*U17/);
  const ms = check(craft(goodHeader, goodPayload({ exp: (NOW + 86400) * 1000 })));
  assert.equal(ms?.status, 'warn');
  assert.match(ms?.message ?? '', /exp \d+ lies past year 9999 \(milliseconds, not seconds\?\).*U18/);
  const huge = check(craft(goodHeader, goodPayload({ exp: 1e308 })));
  assert.match(huge?.message ?? '', /exp 1e\+308 lies past year 9999.*U18/);
  // A string or null nbf/iat is an error: STS documents integer timestamps.
  for (const over of [{ nbf: 'soon' }, { iat: null }]) {
    const c = check(craft(goodHeader, goodPayload(over)));
    assert.equal(c?.status, 'fail');
    assert.match(c?.message ?? '', /(nbf is a string|iat is null), not a number.*U18/);
  }
  const text = `{"alg":"RS256","kid":"${RSA_KID}","kid":"other"}`;
  const dup = check(`${b64(text)}.${b64(goodPayload())}.${Buffer.alloc(256).toString('base64url')}`);
  assert.equal(dup?.status, 'warn');
  assert.match(dup?.message ?? '', /header\.kid named twice.*U19/);
  // The token's values in the check are escaped like everything else shown.
  const evil = check(craft({ alg: 'RS256', kid: 'k\u001b[2J\u202e' }, goodPayload({ sub: 'x\u0007' })));
  assert.doesNotMatch(evil?.message ?? '', /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
  assert.match(evil?.message ?? '', /kid k\\u001b\[2J\\u202e/);
});

test('duplicateMembers: names repeated in one object, at any depth, escapes decoded, strings and arrays skipped', () => {
  assert.deepEqual(duplicateMembers('{"a":1,"b":2}'), []);
  assert.deepEqual(duplicateMembers('{"a":1,"a":2}'), ['a']);
  assert.deepEqual(duplicateMembers('{"a":1,"\\u0061":2}'), ['a'], 'an escaped name is the same name');
  assert.deepEqual(duplicateMembers('{"k":{"n":1,"n":2},"l":[{"x":1,"x":2}]}'), ['k.n', 'l.x']);
  assert.deepEqual(duplicateMembers('{"a":{"b":1},"c":{"b":2}}'), [], 'the same name in two objects is no duplicate');
  const tricky = JSON.stringify({ s: '\\","s":{"', t: ['s', 's'], 'u\\"': 1 });
  assert.deepEqual(duplicateMembers(tricky), [], 'quotes, backslashes and braces inside strings');
  const many = `{${Array.from({ length: 40 }, (_, i) => `"m${i}":${i}`).join(',')},"m7":0}`;
  assert.deepEqual(duplicateMembers(many), ['m7'], 'objects past the small-list size use a set');
  // Property: JSON.stringify never writes a duplicate; adding one member again is always found.
  fc.assert(
    fc.property(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { minKeys: 1 }), (o) => {
      const text = JSON.stringify(o);
      assert.deepEqual(duplicateMembers(text), []);
      const first = Object.keys(o)[0];
      const twice = `${text.slice(0, -1)},${JSON.stringify(first)}:null}`;
      assert.deepEqual(duplicateMembers(twice), [first]);
    }),
    { seed: 5, numRuns: 2000 },
  );
});
