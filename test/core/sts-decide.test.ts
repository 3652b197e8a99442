// The attack and fault catalogue at the core + fetcher level: real HTTPS issuers on 127.0.0.1, real keys and tokens
// (src/core/keys/generate.ts, src/core/tokens/mint.ts), the real OidcKeyFetcher; each case asserts AWS's exact
// code, status and message, and the trace check that failed.
import assert from 'node:assert/strict';
import { createHash, createSign, type KeyObject } from 'node:crypto';
import type http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { CompactSign } from 'jose';
import { buildJwks } from '../../src/core/issuer/jwks.js';
import { generateSigningKey } from '../../src/core/keys/generate.js';
import type { LoadedKey } from '../../src/core/keys/parse.js';
import { MSG_COULD_NOT_RETRIEVE_KEY, UNCONFIRMED } from '../../src/core/sts/aws-errors.js';
import { DECISION_CHECKS, decideAssumeRoleWithWebIdentity } from '../../src/core/sts/decide.js';
import type { AssumeRoleDecision, OidcProviderState } from '../../src/core/sts/types.js';
import { mintToken } from '../../src/core/tokens/mint.js';
import { OidcKeyFetcher } from '../../src/io/oidc/fetcher.js';
import {
  type HttpsHost,
  irsaTrust,
  json,
  MemoryIam,
  makePki,
  type Pki,
  publishIssuer,
  startHttpsHost,
} from './sts-fixtures.js';

const NOW = Math.floor(Date.now() / 1000);
const rsa = generateSigningKey({ type: 'rsa' }).key;
const ec = generateSigningKey({ type: 'ec', curve: 'P-256' }).key;
const stranger = generateSigningKey({ type: 'rsa' }).key;

interface World {
  pki: Pki;
  host: HttpsHost;
  iam: MemoryIam;
  fetcher: OidcKeyFetcher;
  /** An issuer published on the host with rsa + ec keys, its provider and role `app@default`. */
  issuer(
    name: string,
    options?: Parameters<typeof publishIssuer>[3] & { thumbprints?: string[] },
  ): {
    issuer: string;
    provider: OidcProviderState;
    roleArn: string;
  };
}

let pkiOnce: Pki | undefined;
async function world(t: Parameters<typeof startHttpsHost>[0], fetcherOptions = {}): Promise<World> {
  pkiOnce ??= await makePki();
  const pki = pkiOnce;
  const host = await startHttpsHost(t, pki);
  const iam = new MemoryIam();
  const fetcher = new OidcKeyFetcher({ connectTimeoutMs: 1000, totalTimeoutMs: 1000, ...fetcherOptions });
  return {
    pki,
    host,
    iam,
    fetcher,
    issuer(name, options = {}) {
      const issuer = publishIssuer(host, name, buildJwks([rsa, ec]), options);
      const provider = iam.addProvider(issuer, options.thumbprints ?? [pki.caThumbprint]);
      const role = iam.addRole(`app-${name}`, irsaTrust(provider, 'default', 'app'));
      return { issuer, provider, roleArn: role.arn };
    },
  };
}

function mint(key: LoadedKey, issuer: string, more: { sa?: string; aud?: string[]; now?: number; exp?: number } = {}) {
  return mintToken({
    signingKey: key,
    issuer,
    namespace: 'default',
    serviceAccount: more.sa ?? 'app',
    audiences: more.aud ?? ['sts.amazonaws.com'],
    expirationSeconds: more.exp ?? 3600,
    now: more.now ?? NOW,
  }).then((r) => r.token);
}

/** A token with arbitrary header and claims, signed by `key` (for cases mint() refuses to make). */
async function signRaw(key: LoadedKey, header: Record<string, unknown>, claims: Record<string, unknown>) {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .sign(key.privateKey!);
}

function claimsFor(issuer: string, extra: Record<string, unknown> = {}) {
  return {
    aud: ['sts.amazonaws.com'],
    exp: NOW + 3600,
    iat: NOW,
    iss: issuer,
    nbf: NOW,
    sub: 'system:serviceaccount:default:app',
    ...extra,
  };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function decide(
  w: World,
  roleArn: string,
  token: string,
  more: { durationSeconds?: number; session?: string } = {},
) {
  return decideAssumeRoleWithWebIdentity(
    {
      roleArn,
      roleSessionName: more.session ?? 'test-session',
      webIdentityToken: token,
      durationSeconds: more.durationSeconds,
    },
    { iam: w.iam, keys: w.fetcher, now: NOW },
  );
}

function expectError(
  d: AssumeRoleDecision,
  code: string,
  status: number,
  message: string | RegExp,
  failedCheck?: string,
) {
  assert.equal(d.ok, false, `expected ${code}, got success`);
  if (d.ok) return;
  assert.equal(d.error.code, code, d.error.message);
  assert.equal(d.error.status, status);
  assert.equal(d.error.type, 'Sender');
  if (typeof message === 'string') assert.equal(d.error.message, message);
  else assert.match(d.error.message, message);
  if (failedCheck) assert.equal(d.trace.at(-1)?.id, failedCheck, JSON.stringify(d.trace.at(-1)));
  assert.equal(d.trace.at(-1)?.status, 'fail');
}

const invalid = (d: AssumeRoleDecision, message: string | RegExp, check?: string) =>
  expectError(d, 'InvalidIdentityToken', 400, message, check);

test('a valid token is accepted with the assumed-role identity and a full trace', async (t) => {
  const w = await world(t);
  const { issuer, provider, roleArn } = w.issuer('ok');
  for (const key of [rsa, ec]) {
    const d = await decide(w, roleArn, await mint(key, issuer), { durationSeconds: 900 });
    assert.ok(d.ok, JSON.stringify(d));
    assert.equal(d.assumedRoleArn, `arn:aws:sts::111122223333:assumed-role/app-ok/test-session`);
    assert.match(d.assumedRoleId, /^AROA[0-9A-F]+:test-session$/);
    assert.equal(d.subject, 'system:serviceaccount:default:app');
    assert.equal(d.audience, 'sts.amazonaws.com');
    assert.equal(d.providerArn, provider.arn);
    assert.equal(d.issuer, issuer);
    assert.equal(d.durationSeconds, 900);
    assert.ok(
      d.trace.every((c) => c.status === 'pass'),
      JSON.stringify(d.trace),
    );
    assert.deepEqual(
      d.trace.map((c) => c.id),
      [
        'parameters',
        'role-arn',
        'token-shape',
        'alg',
        'iss',
        'provider',
        'fetch-keys',
        'discovery-issuer',
        'tls',
        'kid',
        'signature',
        'aud',
        'time',
        'sub',
        'role',
        'trust-policy',
        'duration',
      ],
    );
    assert.deepEqual(
      d.trace.map((c) => c.id),
      DECISION_CHECKS.map((c) => c.id),
      'the trace is the ordered list of named checks',
    );
  }
});

test('alg none, HS256 keyed with the RSA public key, PS256 and EdDSA are refused before any fetch', async (t) => {
  const w = await world(t);
  const { issuer, roleArn } = w.issuer('alg');
  const none = `${b64({ alg: 'none', kid: rsa.kid })}.${b64(claimsFor(issuer))}.`;
  invalid(await decide(w, roleArn, none), 'Unsupported JWT signing algorithm: none', 'alg');
  const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const hs = await new CompactSign(new TextEncoder().encode(JSON.stringify(claimsFor(issuer))))
    .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
    .sign(new TextEncoder().encode(publicPem));
  invalid(await decide(w, roleArn, hs), 'Unsupported JWT signing algorithm: HS256', 'alg');
  for (const alg of ['PS256', 'EdDSA']) {
    const forged = `${b64({ alg, kid: rsa.kid })}.${b64(claimsFor(issuer))}.AAAA`;
    invalid(await decide(w, roleArn, forged), `Unsupported JWT signing algorithm: ${alg}`, 'alg');
  }
  assert.equal(w.host.hits.get('/alg/.well-known/openid-configuration') ?? 0, 0, 'no fetch for a refused alg');
});

test('malformed tokens: not three parts, not JSON, trailing newline', async (t) => {
  const w = await world(t);
  const { issuer, roleArn } = w.issuer('shape');
  const good = await mint(rsa, issuer);
  for (const bad of ['abcd.efgh', `${good}.extra.parts`, `${b64({ alg: 'RS256' })}.bm90IGpzb24.sig`, `${good}\n`]) {
    invalid(await decide(w, roleArn, bad), 'The ID token provided is not a valid JWT', 'token-shape');
  }
});

test('unknown kid: one bounded refresh, then "Couldn\'t retrieve verification key" (two spaces)', async (t) => {
  const w = await world(t);
  const { issuer, roleArn } = w.issuer('kid');
  const token = await mint(stranger, issuer);
  const d = await decide(w, roleArn, token);
  invalid(d, MSG_COULD_NOT_RETRIEVE_KEY, 'kid');
  assert.ok(!d.ok && d.error.message.includes('provider,  please'));
  assert.equal(w.host.hits.get('/kid/openid/v1/jwks'), 2, 'one refetch on the unknown kid');
  for (let i = 0; i < 5; i++) await decide(w, roleArn, token);
  assert.equal(w.host.hits.get('/kid/openid/v1/jwks'), 2, 'kid spraying does not multiply fetches');
  // A token without kid only matches a JWK without kid.
  const noKid = await signRaw(rsa, { kid: undefined }, claimsFor(issuer));
  invalid(await decide(w, roleArn, noKid), MSG_COULD_NOT_RETRIEVE_KEY, 'kid');
});

test('a key published after the first fetch is found through the kid-miss refresh', async (t) => {
  const w = await world(t);
  const { issuer, roleArn } = w.issuer('rotate');
  assert.ok((await decide(w, roleArn, await mint(rsa, issuer))).ok);
  w.host.routes.set('/rotate/openid/v1/jwks', json(buildJwks([rsa, stranger])));
  const d = await decide(w, roleArn, await mint(stranger, issuer));
  assert.ok(d.ok, JSON.stringify(d));
});

test('tampered payload, stripped signature and ES256 r=s=0 fail the signature check', async (t) => {
  const w = await world(t);
  const { issuer, roleArn } = w.issuer('sig');
  const [h, , s] = (await mint(rsa, issuer)).split('.');
  const tampered = `${h}.${b64(claimsFor(issuer, { sub: 'system:serviceaccount:kube-system:admin' }))}.${s}`;
  invalid(await decide(w, roleArn, tampered), 'Token signature is invalid', 'signature');
  const [h2, p2] = (await mint(rsa, issuer)).split('.');
  invalid(await decide(w, roleArn, `${h2}.${p2}.`), 'Token signature is invalid', 'signature');
  const [h3, p3] = (await mint(ec, issuer)).split('.');
  const zero = Buffer.alloc(64).toString('base64url');
  invalid(await decide(w, roleArn, `${h3}.${p3}.${zero}`), 'Token signature is invalid', 'signature');
});

test('a key whose kty, curve or alg does not fit the token alg is not used', async (t) => {
  const w = await world(t);
  const [rsaJwk, ecJwk] = buildJwks([rsa, ec]).keys;
  // The EC key's kid pointing at an RSA key, and an RSA JWK that declares ES256.
  const issuer = publishIssuer(w.host, 'mismatch', {
    keys: [
      { ...rsaJwk, kid: ec.kid },
      { ...ecJwk, kid: 'rsa-as-ec', alg: 'RS256' },
    ],
  });
  const provider = w.iam.addProvider(issuer, [w.pki.caThumbprint]);
  const role = w.iam.addRole('app-mismatch', irsaTrust(provider, 'default', 'app'));
  invalid(await decide(w, role.arn, await mint(ec, issuer)), MSG_COULD_NOT_RETRIEVE_KEY, 'kid');
  const rs384 = await signRaw(rsa, { alg: 'RS384', kid: rsa.kid }, claimsFor(issuer));
  invalid(await decide(w, role.arn, rs384), MSG_COULD_NOT_RETRIEVE_KEY, 'kid');
});

test('RS384/RS512 and ES384/ES512 tokens verify with keys that fit', async (t) => {
  const w = await world(t);
  const p384 = generateSigningKey({ type: 'ec', curve: 'P-384' }).key;
  const p521 = generateSigningKey({ type: 'ec', curve: 'P-521' }).key;
  const { kty, kid, n, e } = buildJwks([rsa]).keys[0] as { kty: string; kid: string; n: string; e: string };
  const issuer = publishIssuer(w.host, 'algs', { keys: [{ kty, kid, n, e }, ...buildJwks([p384, p521]).keys] });
  const provider = w.iam.addProvider(issuer, [w.pki.caThumbprint]);
  const role = w.iam.addRole('app-algs', irsaTrust(provider, 'default', 'app'));
  for (const [key, alg] of [
    [rsa, 'RS384'],
    [rsa, 'RS512'],
    [p384, 'ES384'],
    [p521, 'ES512'],
  ] as const) {
    const d = await decide(w, role.arn, await signRaw(key, { alg }, claimsFor(issuer)));
    assert.ok(d.ok, `${alg}: ${JSON.stringify(d)}`);
  }
});

test('expired, not yet valid and far-future iat tokens: ExpiredTokenException', async (t) => {
  const w = await world(t);
  const { issuer, roleArn } = w.issuer('time');
  const expired = await mint(rsa, issuer, { now: NOW - 7200, exp: 3600 });
  expectError(
    await decide(w, roleArn, expired),
    'ExpiredTokenException',
    400,
    `Token expired: current date/time ${NOW} must be before the expiration date/time ${NOW - 3600}`,
    'exp',
  );
  // exp == now is already expired ("must be before").
  const edge = await signRaw(rsa, {}, claimsFor(issuer, { exp: NOW }));
  expectError(await decide(w, roleArn, edge), 'ExpiredTokenException', 400, /^Token expired:/, 'exp');
  const future = await mint(rsa, issuer, { now: NOW + 1000 });
  expectError(
    await decide(w, roleArn, future),
    'ExpiredTokenException',
    400,
    `Token is not yet valid: current date/time ${NOW} must be after the not-before date/time ${NOW + 1000}`,
    'nbf',
  );
  // Within the 300 s leeway.
  assert.ok((await decide(w, roleArn, await mint(rsa, issuer, { now: NOW + 200 }))).ok);
  const farIat = await signRaw(rsa, {}, claimsFor(issuer, { iat: NOW + 100_000, exp: NOW + 200_000 }));
  expectError(await decide(w, roleArn, farIat), 'ExpiredTokenException', 400, /^Token issued in the future/, 'iat');
  const noExp = await signRaw(rsa, {}, claimsFor(issuer, { exp: undefined }));
  invalid(await decide(w, roleArn, noExp), 'Missing a required claim: exp', 'exp');
  // Token age is enforced only when configured ("Token too old: N").
  const old = await mint(rsa, issuer, { now: NOW - 5000, exp: 86400 });
  assert.ok((await decide(w, roleArn, old)).ok);
  const d = await decideAssumeRoleWithWebIdentity(
    { roleArn, roleSessionName: 's1', webIdentityToken: old },
    { iam: w.iam, keys: w.fetcher, now: NOW, maxTokenAgeSeconds: 3600 },
  );
  expectError(d, 'ExpiredTokenException', 400, 'Token too old: 5000', 'iat');
});

test('issuer: http, trailing-slash variant and unregistered issuers have no provider', async (t) => {
  const w = await world(t);
  const { issuer, roleArn } = w.issuer('iss');
  const httpIss = issuer.replace('https://', 'http://');
  invalid(
    await decide(w, roleArn, await mint(rsa, httpIss)),
    `No OpenIDConnect provider found in your account for ${httpIss}`,
    'iss',
  );
  invalid(
    await decide(w, roleArn, await mint(rsa, `${issuer}/`)),
    `No OpenIDConnect provider found in your account for ${issuer}/`,
    'provider',
  );
  const noIss = await signRaw(rsa, {}, claimsFor(issuer, { iss: undefined }));
  invalid(await decide(w, roleArn, noIss), 'Missing a required claim: iss', 'iss');
  // A role in another account: the lookup happens there, and finds nothing.
  const foreign = roleArn.replace('111122223333', '444455556666');
  invalid(
    await decide(w, foreign, await mint(rsa, issuer)),
    `No OpenIDConnect provider found in your account for ${issuer}`,
    'provider',
  );
});

test('audience: wrong and missing aud; multi-valued aud passes on any client ID', async (t) => {
  const w = await world(t);
  const { issuer, roleArn } = w.issuer('aud');
  invalid(
    await decide(w, roleArn, await mint(rsa, issuer, { aud: ['https://kubernetes.default.svc'] })),
    'Incorrect token audience',
    'aud',
  );
  const noAud = await signRaw(rsa, {}, claimsFor(issuer, { aud: undefined }));
  invalid(await decide(w, roleArn, noAud), 'Missing a required claim: aud', 'aud');
  const emptyAud = await signRaw(rsa, {}, claimsFor(issuer, { aud: [] }));
  invalid(await decide(w, roleArn, emptyAud), 'Missing a required claim: aud', 'aud');
  const d = await decide(w, roleArn, await mint(rsa, issuer, { aud: ['other', 'sts.amazonaws.com'] }));
  assert.ok(d.ok && d.audience === 'sts.amazonaws.com');
  const single = await signRaw(rsa, {}, claimsFor(issuer, { aud: 'sts.amazonaws.com' }));
  assert.ok((await decide(w, roleArn, single)).ok, 'aud as a plain string');
});

test('trust policy: another service account, a Deny, a role trusting another provider, a missing role', async (t) => {
  const w = await world(t);
  const { issuer, provider, roleArn } = w.issuer('trust');
  const other = await decide(w, roleArn, await mint(rsa, issuer, { sa: 'other' }));
  expectError(other, 'AccessDenied', 403, 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 'trust-policy');
  assert.match(
    other.trace.at(-1)?.message ?? '',
    /wants "system:serviceaccount:default:app", token has "system:serviceaccount:default:other"/,
  );
  assert.equal(other.ok ? undefined : other.trust?.decision, 'implicit-deny');

  const denied = w.iam.addRole('denied', {
    Version: '2012-10-17',
    Statement: [
      (irsaTrust(provider, 'default', 'app') as { Statement: unknown[] }).Statement[0],
      { Effect: 'Deny', Principal: { Federated: provider.arn }, Action: 'sts:AssumeRoleWithWebIdentity' },
    ],
  });
  const d1 = await decide(w, denied.arn, await mint(rsa, issuer));
  expectError(d1, 'AccessDenied', 403, 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 'trust-policy');
  assert.equal(d1.ok ? undefined : d1.trust?.decision, 'explicit-deny');

  const elsewhere = w.iam.addProvider('https://other.example.com', [w.pki.caThumbprint]);
  const wrongProvider = w.iam.addRole('wrong-provider', irsaTrust(elsewhere, 'default', 'app'));
  const d2 = await decide(w, wrongProvider.arn, await mint(rsa, issuer));
  expectError(d2, 'AccessDenied', 403, 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 'trust-policy');
  assert.match(d2.trace.at(-1)?.message ?? '', /does not admit the token's provider/);

  const missing = roleArn.replace('app-trust', 'no-such-role');
  expectError(
    await decide(w, missing, await mint(rsa, issuer)),
    'AccessDenied',
    403,
    'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    'role',
  );
});

test('request validation: session name, token size, duration bounds and the role maximum', async (t) => {
  const w = await world(t);
  const { issuer, roleArn } = w.issuer('params');
  const token = await mint(rsa, issuer);
  expectError(
    await decide(w, roleArn, token, { session: 'a:b' }),
    'ValidationError',
    400,
    "1 validation error detected: Value 'a:b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    'parameters',
  );
  expectError(
    await decide(w, roleArn, token, { session: 'x'.repeat(65) }),
    'ValidationError',
    400,
    `1 validation error detected: Value '${'x'.repeat(65)}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
  );
  expectError(
    await decide(w, roleArn, 'x'.repeat(20001)),
    'ValidationError',
    400,
    "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length less than or equal to 20000",
  );
  expectError(
    await decide(w, roleArn, token, { durationSeconds: 100, session: 'a b' }),
    'ValidationError',
    400,
    "2 validation errors detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; Value '100' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
  );
  expectError(
    await decide(w, 'arn:aws:iam::111122223333:user/someone', token),
    'ValidationError',
    400,
    'Request ARN is invalid',
    'role-arn',
  );
  expectError(
    await decide(w, roleArn, token, { durationSeconds: 7200 }),
    'ValidationError',
    400,
    'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    'duration',
  );
});

test('JWKS host down, slow, redirecting to http, or returning megabytes: "Couldn\'t retrieve verification key"', async (t) => {
  const w = await world(t, { connectTimeoutMs: 300, totalTimeoutMs: 500 });
  // Down: a port with nothing listening.
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const down = `https://127.0.0.1:${port}`;
  const pd = w.iam.addProvider(down, [w.pki.caThumbprint]);
  const rd = w.iam.addRole('down', irsaTrust(pd, 'default', 'app'));
  const d1 = await decide(w, rd.arn, await mint(rsa, down));
  invalid(d1, MSG_COULD_NOT_RETRIEVE_KEY, 'fetch-keys');
  assert.match(d1.trace.at(-1)?.message ?? '', /^connect: .*: connection refused$/);

  const slow = w.issuer('slow');
  const hanging = new Set<http.ServerResponse>();
  w.host.routes.set('/slow/openid/v1/jwks', (_req, res) => hanging.add(res));
  t.after(() => {
    for (const res of hanging) res.destroy();
  });
  const started = Date.now();
  const d2 = await decide(w, slow.roleArn, await mint(rsa, slow.issuer));
  invalid(d2, MSG_COULD_NOT_RETRIEVE_KEY, 'fetch-keys');
  assert.match(d2.trace.at(-1)?.message ?? '', /^timeout/);
  assert.ok(Date.now() - started < 2000);

  const toHttp = w.issuer('tohttp', { jwksUri: `${w.host.origin}/tohttp/moved` });
  w.host.routes.set('/tohttp/moved', (_req, res) => {
    res.writeHead(301, { location: `http://127.0.0.1:${w.host.port}/tohttp/openid/v1/jwks` });
    res.end();
  });
  const d3 = await decide(w, toHttp.roleArn, await mint(rsa, toHttp.issuer));
  invalid(d3, MSG_COULD_NOT_RETRIEVE_KEY, 'fetch-keys');
  assert.match(d3.trace.at(-1)?.message ?? '', /^redirect-not-https/);

  const huge = w.issuer('huge');
  const body = JSON.stringify({ keys: [...buildJwks([rsa]).keys, { kty: 'RSA', n: 'A'.repeat(4 << 20), e: 'AQAB' }] });
  w.host.routes.set('/huge/openid/v1/jwks', json(body));
  const d4 = await decide(w, huge.roleArn, await mint(rsa, huge.issuer));
  invalid(d4, MSG_COULD_NOT_RETRIEVE_KEY, 'fetch-keys');
  assert.match(d4.trace.at(-1)?.message ?? '', /^too-large/);

  // And the same core keeps serving a healthy issuer afterwards.
  const fine = w.issuer('fine');
  assert.ok((await decide(w, fine.roleArn, await mint(rsa, fine.issuer))).ok);
});

test('TLS: an untrusted chain must match a provider thumbprint; a trusted chain needs none', async (t) => {
  const w = await world(t);
  const wrong = createHash('sha1').update('not the CA').digest('hex').toUpperCase();
  const bad = w.issuer('thumb', { thumbprints: [wrong] });
  invalid(
    await decide(w, bad.roleArn, await mint(rsa, bad.issuer)),
    "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
    'tls',
  );
  const good = w.issuer('thumb-ok', { thumbprints: [wrong, w.pki.caThumbprint.toLowerCase()] });
  const d = await decide(w, good.roleArn, await mint(rsa, good.issuer));
  assert.ok(d.ok, JSON.stringify(d));
  assert.match(d.trace.find((c) => c.id === 'tls')?.message ?? '', /thumbprint [0-9A-F]{40} matches the provider/);

  const trusting = new OidcKeyFetcher({ trustCa: [w.pki.ca.certPem] });
  const d2 = await decideAssumeRoleWithWebIdentity(
    { roleArn: bad.roleArn, roleSessionName: 'trusted', webIdentityToken: await mint(rsa, bad.issuer) },
    { iam: w.iam, keys: trusting, now: NOW },
  );
  assert.ok(d2.ok, JSON.stringify(d2));
  assert.match(d2.trace.find((c) => c.id === 'tls')?.message ?? '', /trusted chain/);
});

test('discovery "issuer" differing from iss is accepted (U1) with a warning in the trace', async (t) => {
  const w = await world(t);
  const base = `${w.host.origin}/lenient`;
  const { roleArn, issuer } = w.issuer('lenient', { discoveryIssuer: `${base}/` });
  const d = await decide(w, roleArn, await mint(rsa, issuer));
  assert.ok(d.ok, JSON.stringify(d));
  const check = d.trace.find((c) => c.id === 'discovery-issuer');
  assert.equal(check?.status, 'warn');
  assert.match(check?.message ?? '', /differs from iss/);
  assert.ok(UNCONFIRMED.some((u) => u.id === 'U1' && /lenient/.test(u.choice)));
});

test('an http jwks_uri in discovery is refused', async (t) => {
  const w = await world(t);
  const { roleArn, issuer } = w.issuer('httpuri', {
    jwksUri: `http://127.0.0.1:${w.host.port}/httpuri/openid/v1/jwks`,
  });
  const d = await decide(w, roleArn, await mint(rsa, issuer));
  invalid(d, MSG_COULD_NOT_RETRIEVE_KEY, 'fetch-keys');
  assert.match(d.trace.at(-1)?.message ?? '', /^jwks-uri-not-https/);
});

/** An RS256 token over exactly these JSON texts (so duplicate members survive), signed by the RSA `key`. */
function signText(key: LoadedKey, headerJson: string, payloadJson: string) {
  const input = `${Buffer.from(headerJson).toString('base64url')}.${Buffer.from(payloadJson).toString('base64url')}`;
  return `${input}.${createSign('sha256').update(input).sign(key.privateKey!).toString('base64url')}`;
}

test('odd but not forged tokens (issue 9 item 8): crit, timestamps off the calendar or not numbers, duplicate members', async (t) => {
  const w = await world(t);
  const { issuer, roleArn } = w.issuer('odd');
  const notJwt = 'The ID token provided is not a valid JWT';
  // The reproduction: an unknown critical header parameter, validly signed, was accepted.
  const critHeader = { alg: 'RS256', kid: rsa.kid, crit: ['exp-unknown'], 'exp-unknown': 1 };
  const crit = signText(rsa, JSON.stringify(critHeader), JSON.stringify(claimsFor(issuer)));
  const dc = await decide(w, roleArn, crit);
  invalid(dc, notJwt, 'token-shape');
  assert.match(dc.trace.at(-1)?.message ?? '', /crit.*RFC 7515/);
  // exp in milliseconds and 1e308: a token that never expires.
  for (const exp of [(NOW + 3600) * 1000, 1e308]) {
    const d = await decide(w, roleArn, await signRaw(rsa, {}, claimsFor(issuer, { exp })));
    invalid(d, 'Invalid exp claim: timestamps must be whole seconds since the epoch', 'exp');
  }
  // A string or null nbf / iat was ignored.
  for (const [name, value] of [
    ['nbf', String(NOW + 100_000)],
    ['nbf', null],
    ['iat', 'yesterday'],
    ['iat', null],
    ['iat', NOW + 0.5],
  ] as const) {
    const d = await decide(w, roleArn, await signRaw(rsa, {}, claimsFor(issuer, { [name]: value })));
    invalid(d, `Invalid ${name} claim: timestamps must be whole seconds since the epoch`, name);
  }
  // Duplicate members: the last sub won (an allowed one after a denied one), and a second alg in the header.
  const claims = JSON.stringify(claimsFor(issuer));
  const twice = claims.replace('"sub":', '"sub":"system:serviceaccount:kube-system:admin","sub":');
  const dd = await decide(w, roleArn, signText(rsa, JSON.stringify({ alg: 'RS256', kid: rsa.kid }), twice));
  invalid(dd, notJwt, 'token-shape');
  assert.match(dd.trace.at(-1)?.message ?? '', /payload\.sub/);
  const header = `{"alg":"none","alg":"RS256","kid":${JSON.stringify(rsa.kid)}}`;
  invalid(await decide(w, roleArn, signText(rsa, header, claims)), notJwt, 'token-shape');
  // The same tokens without the odd shape are accepted (the cases above fail for that shape alone).
  assert.ok((await decide(w, roleArn, signText(rsa, JSON.stringify({ alg: 'RS256', kid: rsa.kid }), claims))).ok);
  for (const id of ['U17', 'U18', 'U19'])
    assert.ok(
      UNCONFIRMED.some((u) => u.id === id),
      id,
    );
});

test('no hidden state: decisions share nothing unless the caller hands in a key cache', async (t) => {
  const w = await world(t);
  const { issuer, roleArn } = w.issuer('cache');
  const token = await mint(rsa, issuer);
  const imported: unknown[] = [];
  const cache = new Map<unknown, KeyObject>();
  const publicKeys = {
    get: (_iss: string, jwk: Record<string, unknown>) => cache.get(jwk),
    set: (_iss: string, jwk: Record<string, unknown>, key: KeyObject) => {
      imported.push(jwk);
      cache.set(jwk, key);
    },
  };
  const req = { roleArn, roleSessionName: 'cached', webIdentityToken: token };
  for (let i = 0; i < 3; i++) {
    const d = await decideAssumeRoleWithWebIdentity(req, { iam: w.iam, keys: w.fetcher, now: NOW, publicKeys });
    assert.ok(d.ok, JSON.stringify(d));
  }
  assert.equal(imported.length, 1, 'the key is imported once, then served by the cache the caller owns');
});
