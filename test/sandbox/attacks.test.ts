// The attack and fault catalogue at the HTTP level: each hostile or broken token/issuer is POSTed to the sandbox's
// AssumeRoleWithWebIdentity exactly as a client would, must get AWS's code and HTTP status in the XML, and the
// sandbox must go on serving /health and a valid request afterwards.
// Certificates are issued in this process: @peculiar/x509 needs the Reflect polyfill first (src/core/certs/issue.ts).
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { CompactSign } from 'jose';
import { issueCa, issueServingCert } from '../../src/core/certs/issue.js';
import { buildDiscovery, serializeDiscovery } from '../../src/core/issuer/discovery.js';
import { buildJwks, serializeJwks } from '../../src/core/issuer/jwks.js';
import type { LoadedKey } from '../../src/core/keys/parse.js';
import {
  assumeForm,
  awsError,
  ecKey,
  mint,
  post,
  provision,
  publishIssuer,
  rsaKey,
  sandboxFor,
  trustPolicy,
} from './helpers.js';

const SUB = 'system:serviceaccount:default:test-pod-sa';
const AUD = 'sts.amazonaws.com';
const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64url');

function claimsFor(issuer: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const c: Record<string, unknown> = {
    aud: [AUD],
    exp: now + 3600,
    iat: now,
    iss: issuer,
    nbf: now,
    sub: SUB,
    ...over,
  };
  for (const [k, v] of Object.entries(c)) if (v === undefined) delete c[k];
  return c;
}

async function sign(
  key: LoadedKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header } as { alg: string })
    .sign(key.privateKey as never);
}

/** An HTTPS server that misbehaves by path: slow, redirect to http, megabytes of JWKS. */
async function faultyIssuerHost(t: { after: (fn: () => unknown) => void }, key: LoadedKey) {
  const ca = await issueCa({ commonName: 'fault CA' });
  const leaf = await issueServingCert({ ca, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  let base = '';
  const jwks = serializeJwks(buildJwks([key]));
  const server = createHttpsServer({ cert: leaf.certPem + ca.certPem, key: leaf.keyPem }, (req, res) => {
    const [, mode, ...rest] = (req.url ?? '/').split('/');
    const path = `/${rest.join('/')}`;
    const issuer = `${base}/${mode}`;
    if (mode === 'slow') {
      const timer = setTimeout(() => res.end(), 10_000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if (mode === 'redirect') {
      res.writeHead(302, { Location: `http://127.0.0.1:1${path}` });
      return res.end();
    }
    if (mode === 'big') {
      if (path === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(serializeDiscovery(buildDiscovery(issuer, `${issuer}/jwks`, buildJwks([key]))));
      }
      const filler = JSON.stringify({
        keys: [
          JSON.parse(jwks).keys[0],
          ...Array.from({ length: 20000 }, (_, i) => ({ kty: 'oct', kid: `pad-${i}`, k: 'A'.repeat(200) })),
        ],
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(filler);
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return base;
}

test('attack and fault catalogue: AWS code and status, and the sandbox keeps serving', async (t) => {
  const sb = await sandboxFor(t, { fetcher: { totalTimeoutMs: 1500, connectTimeoutMs: 1000 } });
  const key = rsaKey();
  const ec = ecKey();
  const issuer = publishIssuer(sb, [key, ec]);
  const host = issuer.slice('https://'.length);
  const { roleArn, providerArn } = await provision(sb, issuer, { roleName: 'app' });
  const valid = () => mint(key, issuer);

  async function stillServing() {
    assert.equal((await fetch(`${sb.endpoint}/health`)).status, 200);
    const ok = await post(sb.endpoint, assumeForm(roleArn, await valid()));
    assert.equal(ok.status, 200, ok.body);
  }

  // Extra providers/roles for issuer-level faults.
  const tpIssuer = publishIssuer(sb, [key], '/tp');
  const tp = await provision(sb, tpIssuer, { roleName: 'thumbprint', thumbprints: ['0'.repeat(40)] });
  const faulty = await faultyIssuerHost(t, key);
  const down = await provision(sb, 'https://127.0.0.1:1', { roleName: 'down', thumbprints: ['A'.repeat(40)] });
  const slow = await provision(sb, `${faulty}/slow`, { roleName: 'slow' });
  const redirect = await provision(sb, `${faulty}/redirect`, { roleName: 'redirect' });
  const big = await provision(sb, `${faulty}/big`, { roleName: 'big' });
  const denyPolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      JSON.parse(trustPolicy(providerArn, host, SUB)).Statement[0],
      {
        Effect: 'Deny',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringLike: { [`${host}:sub`]: 'system:serviceaccount:default:*' } },
      },
    ],
  });
  const { IAMClient, CreateRoleCommand } = await import('@aws-sdk/client-iam');
  const iam = new IAMClient({
    endpoint: sb.endpoint,
    region: sb.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  t.after(() => iam.destroy());
  const roleArnOf = async (RoleName: string, doc: string) =>
    (await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: doc }))).Role?.Arn as string;
  const denyRole = await roleArnOf('deny', denyPolicy);
  const otherProviderRole = await roleArnOf('other-provider', trustPolicy(tp.providerArn, tpIssuer.slice(8), SUB));

  const now = Math.floor(Date.now() / 1000);
  const validToken = await valid();
  const [h, p] = validToken.split('.');
  const otherKey = rsaKey();
  const rsaPublicPem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const hsInput = `${b64(JSON.stringify({ alg: 'HS256', kid: key.kid }))}.${b64(JSON.stringify(claimsFor(issuer)))}`;
  const NO_KEY =
    "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";

  const cases: {
    name: string;
    role?: string;
    token: string | (() => Promise<string>);
    code: string;
    status: number;
    message?: RegExp | string;
  }[] = [
    {
      name: 'alg none',
      token: `${b64(JSON.stringify({ alg: 'none', kid: key.kid }))}.${p}.`,
      code: 'InvalidIdentityToken',
      status: 400,
    },
    {
      name: 'HS256 signed with the RSA public key',
      token: `${hsInput}.${createHmac('sha256', rsaPublicPem).update(hsInput).digest('base64url')}`,
      code: 'InvalidIdentityToken',
      status: 400,
    },
    {
      name: 'unknown kid',
      token: () => mint(otherKey, issuer),
      code: 'InvalidIdentityToken',
      status: 400,
      message: NO_KEY,
    },
    {
      name: 'tampered payload',
      token: `${h}.${b64(JSON.stringify(claimsFor(issuer, { sub: 'system:serviceaccount:kube-system:admin' })))}.${validToken.split('.')[2]}`,
      code: 'InvalidIdentityToken',
      status: 400,
    },
    { name: 'stripped signature', token: `${h}.${p}.`, code: 'InvalidIdentityToken', status: 400 },
    {
      name: 'ES256 r=s=0',
      token: `${b64(JSON.stringify({ alg: 'ES256', kid: ec.kid }))}.${p}.${b64(Buffer.alloc(64))}`,
      code: 'InvalidIdentityToken',
      status: 400,
    },
    {
      name: 'expired',
      token: () => mint(key, issuer, { now: now - 2 * 86400, expirationSeconds: 3600 }),
      code: 'ExpiredTokenException',
      status: 400,
      message: /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/,
    },
    {
      name: 'nbf in the future',
      token: () => sign(key, claimsFor(issuer, { nbf: now + 3600, exp: now + 7200 })),
      code: 'ExpiredTokenException',
      status: 400,
    },
    {
      name: 'far-future iat',
      token: () =>
        sign(key, claimsFor(issuer, { iat: now + 10 * 365 * 86400, exp: now + 11 * 365 * 86400, nbf: undefined })),
      code: 'ExpiredTokenException',
      status: 400,
    },
    {
      name: 'http issuer',
      token: () => sign(key, claimsFor(issuer.replace('https:', 'http:'))),
      code: 'InvalidIdentityToken',
      status: 400,
      message: `No OpenIDConnect provider found in your account for ${issuer.replace('https:', 'http:')}`,
    },
    {
      name: 'issuer with a trailing slash',
      token: () => sign(key, claimsFor(`${issuer}/`)),
      code: 'InvalidIdentityToken',
      status: 400,
      message: `No OpenIDConnect provider found in your account for ${issuer}/`,
    },
    {
      name: 'wrong aud',
      token: () => mint(key, issuer, { audiences: ['vault'] }),
      code: 'InvalidIdentityToken',
      status: 400,
      message: 'Incorrect token audience',
    },
    {
      name: 'missing aud',
      token: () => sign(key, claimsFor(issuer, { aud: undefined })),
      code: 'InvalidIdentityToken',
      status: 400,
      message: 'Missing a required claim: aud',
    },
    {
      name: 'sub of another service account',
      token: () => mint(key, issuer, { serviceAccount: 'other' }),
      code: 'AccessDenied',
      status: 403,
      message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    },
    {
      name: 'oversized token',
      token: `${h}.${'A'.repeat(20_001)}.x`,
      code: 'ValidationError',
      status: 400,
      message: /Member must have length less than or equal to 20000/,
    },
    {
      name: 'JWKS host down',
      role: down.roleArn,
      token: () => sign(key, claimsFor('https://127.0.0.1:1')),
      code: 'InvalidIdentityToken',
      status: 400,
      message: NO_KEY,
    },
    {
      name: 'issuer host slow',
      role: slow.roleArn,
      token: () => sign(key, claimsFor(`${faulty}/slow`)),
      code: 'InvalidIdentityToken',
      status: 400,
      message: NO_KEY,
    },
    {
      name: 'discovery redirects to http',
      role: redirect.roleArn,
      token: () => sign(key, claimsFor(`${faulty}/redirect`)),
      code: 'InvalidIdentityToken',
      status: 400,
      message: NO_KEY,
    },
    {
      name: 'JWKS of megabytes',
      role: big.roleArn,
      token: () => sign(key, claimsFor(`${faulty}/big`)),
      code: 'InvalidIdentityToken',
      status: 400,
      message: NO_KEY,
    },
    {
      name: 'chain thumbprint not the provider’s',
      role: tp.roleArn,
      token: () => sign(key, claimsFor(tpIssuer)),
      code: 'InvalidIdentityToken',
      status: 400,
      message: "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
    },
    { name: 'Deny in the trust policy', role: denyRole, token: valid, code: 'AccessDenied', status: 403 },
    {
      name: 'role trusting another provider',
      role: otherProviderRole,
      token: valid,
      code: 'AccessDenied',
      status: 403,
    },
    {
      name: 'role that does not exist',
      role: roleArn.replace('/app', '/nope'),
      token: valid,
      code: 'AccessDenied',
      status: 403,
    },
    {
      name: 'DurationSeconds above the role maximum',
      token: valid,
      code: 'ValidationError',
      status: 400,
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    },
  ];

  for (const c of cases) {
    await t.test(c.name, async () => {
      const token = typeof c.token === 'string' ? c.token : await c.token();
      const extra: Record<string, string> = c.name.startsWith('DurationSeconds') ? { DurationSeconds: '7200' } : {};
      const r = await post(sb.endpoint, assumeForm(c.role ?? roleArn, token, extra));
      const e = awsError(r.body);
      assert.equal(e.code, c.code, r.body);
      assert.equal(r.status, c.status);
      assert.equal(e.type, 'Sender');
      assert.match(r.body, /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/);
      if (typeof c.message === 'string') assert.equal(e.message, c.message);
      else if (c.message) assert.match(e.message ?? '', c.message);
      await stillServing();
    });
  }

  await t.test('discovery whose issuer differs from iss: accepted (as AWS appears to), doctor warns', async () => {
    const dir = join(sb.issuerDir, 'mismatch');
    const mIssuer = `${sb.issuerUrlBase}/mismatch`;
    const jwks = buildJwks([key]);
    mkdirSync(join(dir, '.well-known'), { recursive: true });
    writeFileSync(
      join(dir, '.well-known/openid-configuration'),
      serializeDiscovery(buildDiscovery('https://elsewhere.example', `${mIssuer}/jwks`, jwks)),
    );
    writeFileSync(join(dir, 'jwks'), serializeJwks(jwks));
    const m = await provision(sb, mIssuer, { roleName: 'mismatch' });
    const r = await post(sb.endpoint, assumeForm(m.roleArn, await sign(key, claimsFor(mIssuer))));
    assert.equal(r.status, 200, r.body);
  });

  await t.test('unsigned GET with the query string works like the POST form', async () => {
    const q = new URLSearchParams(assumeForm(roleArn, await valid()));
    const r = await fetch(`${sb.endpoint}/?${q}`);
    assert.equal(r.status, 200);
    assert.match(await r.text(), /<AssumedRoleUser><Arn>arn:aws:sts::000000000000:assumed-role\/app\/s1<\/Arn>/);
  });
});
