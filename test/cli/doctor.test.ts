import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateSigningKey } from '../../src/core/keys/generate.js';
import { runCli } from '../support/cli.js';
import { startChain } from '../support/sandbox-chain.js';

interface Check {
  id: string;
  status: string;
  message: string;
  awsError?: string;
  fix?: string;
}

async function doctor(env: NodeJS.ProcessEnv, args: string[]) {
  const r = await runCli(['doctor', '--output', 'json', ...args], { env });
  const out = JSON.parse(r.stdout);
  const checks = out.data.checks as Check[];
  return { ...r, out, checks, byId: (id: string) => checks.find((c) => c.id === id) };
}

test('irsa doctor against the sandbox', async (t) => {
  const chain = await startChain(t);
  const env = chain.adminEnv();

  await t.test('healthy setup passes, with the private-CA warning', async () => {
    const file = chain.writeToken(await chain.mint());
    const r = await doctor(env, ['--token-file', file, '--role-arn', chain.roleArn]);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.out.ok, true);
    const failed = r.checks.filter((c) => c.status === 'fail');
    assert.deepEqual(failed, []);
    for (const id of [
      'token',
      'token-expiry',
      'role-arn',
      'issuer',
      'iam-provider',
      'discovery',
      'discovery-issuer',
      'jwks',
      'kid',
      'signature',
      'aud',
      'thumbprint',
      'role',
      'trust-policy',
      'sts',
    ]) {
      assert.equal(r.byId(id)?.status, 'pass', `${id}: ${JSON.stringify(r.byId(id))}`);
    }
    assert.equal(r.byId('tls')?.status, 'warn');
    assert.equal(r.byId('iam-account'), undefined, 'same account: no note');
    assert.match(r.byId('tls')?.message ?? '', /private CA.*falls back to the thumbprints/);
    assert.equal(r.out.data.decision.ok, true);
    assert.match(
      r.out.data.decision.assumedRoleArn,
      /^arn:aws:sts::111122223333:assumed-role\/app@default\/irsa-doctor$/,
    );
    assert.ok(r.out.data.trace.some((x: { id: string }) => x.id === 'trust-policy'));
    assert.ok(r.out.warnings.some((w: string) => w.startsWith('tls:')));
  });

  await t.test('text report: same verdict, trace, exit 0', async () => {
    const file = chain.writeToken(await chain.mint());
    const r = await runCli(['doctor', '--token-file', file, '--role-arn', chain.roleArn], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^✔ STS verdict +AssumeRoleWithWebIdentity would return credentials/m);
    assert.match(r.stdout, /^! Issuer TLS chain/m);
    assert.match(r.stdout, /STS validation trace/);
    assert.match(r.stdout, /No check failed \(1 warning\)/);
  });

  await t.test('defaults to $AWS_WEB_IDENTITY_TOKEN_FILE and $AWS_ROLE_ARN', async () => {
    const file = chain.writeToken(await chain.mint());
    const r = await doctor({ ...env, AWS_WEB_IDENTITY_TOKEN_FILE: file, AWS_ROLE_ARN: chain.roleArn }, []);
    assert.equal(r.code, 0, r.stdout);
  });

  await t.test('wrong audience', async () => {
    const file = chain.writeToken(await chain.mint({ audiences: ['kubernetes.svc.default'] }));
    const r = await doctor(env, ['--token-file', file, '--role-arn', chain.roleArn]);
    assert.equal(r.code, 1);
    assert.equal(r.byId('aud')?.status, 'fail');
    assert.equal(r.byId('aud')?.awsError, 'InvalidIdentityToken: Incorrect token audience');
    assert.match(r.byId('aud')?.fix ?? '', /sts\.amazonaws\.com/);
    assert.equal(r.byId('sts')?.awsError, 'InvalidIdentityToken: Incorrect token audience');
  });

  await t.test('wrong sub: the trust policy condition is named', async () => {
    const file = chain.writeToken(await chain.mint({ serviceAccount: 'intruder' }));
    const r = await doctor(env, ['--token-file', file, '--role-arn', chain.roleArn]);
    assert.equal(r.code, 1);
    const tp = r.byId('trust-policy');
    assert.equal(tp?.status, 'fail');
    assert.match(tp?.message ?? '', /:sub/);
    assert.match(tp?.message ?? '', /system:serviceaccount:default:intruder/);
    assert.equal(tp?.awsError, 'AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity');
    assert.match(tp?.fix ?? '', /system:serviceaccount:default:intruder/);
    assert.equal(r.byId('sts')?.awsError, 'AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity');
    assert.equal(r.byId('aud')?.status, 'pass');
  });

  await t.test('unknown kid (key rotated in, not published)', async () => {
    const rotated = generateSigningKey({ type: 'rsa' });
    const file = chain.writeToken(await chain.mint({ signingKey: rotated.key }));
    const r = await doctor(env, ['--token-file', file, '--role-arn', chain.roleArn]);
    assert.equal(r.code, 1);
    assert.equal(r.byId('kid')?.status, 'fail');
    assert.match(r.byId('kid')?.message ?? '', new RegExp(rotated.key.kid));
    assert.match(
      r.byId('kid')?.awsError ?? '',
      /^InvalidIdentityToken: Couldn't retrieve verification key from your identity provider, {2}please/,
    );
    assert.match(r.byId('kid')?.fix ?? '', /old AND the new/);
    assert.equal(r.byId('sts')?.awsError, r.byId('kid')?.awsError);
  });

  await t.test('expired token', async () => {
    const now = Math.floor(Date.now() / 1000) - 7200;
    const file = chain.writeToken(await chain.mint({ now, expirationSeconds: 600 }));
    const r = await doctor(env, ['--token-file', file, '--role-arn', chain.roleArn]);
    assert.equal(r.code, 1);
    assert.equal(r.byId('token-expiry')?.status, 'fail');
    assert.match(
      r.byId('token-expiry')?.awsError ?? '',
      new RegExp(
        `^ExpiredTokenException: Token expired: current date/time \\d+ must be before the expiration date/time ${now + 600}$`,
      ),
    );
    assert.match(r.byId('sts')?.awsError ?? '', /^ExpiredTokenException: Token expired/);
  });

  await t.test('missing role', async () => {
    const file = chain.writeToken(await chain.mint());
    const r = await doctor(env, ['--token-file', file, '--role-arn', 'arn:aws:iam::111122223333:role/nobody@default']);
    assert.equal(r.code, 1);
    assert.equal(r.byId('role')?.status, 'fail');
    assert.equal(r.byId('role')?.awsError, 'AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity');
    assert.equal(r.byId('trust-policy'), undefined);
    assert.equal(r.byId('sts')?.awsError, 'AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity');
  });

  await t.test('malformed role ARN', async () => {
    const file = chain.writeToken(await chain.mint());
    const r = await doctor(env, ['--token-file', file, '--role-arn', 'arn:aws:iam:::111122223333:role/x']);
    assert.equal(r.code, 1);
    assert.equal(r.byId('role-arn')?.awsError, 'ValidationError: Request ARN is invalid');
  });

  await t.test("credentials of another account than the role's: warned", async () => {
    const file = chain.writeToken(await chain.mint());
    const r = await doctor(env, ['--token-file', file, '--role-arn', 'arn:aws:iam::999999999999:role/app@default']);
    assert.equal(r.code, 1);
    assert.equal(r.byId('iam-account')?.status, 'warn');
    assert.match(r.byId('iam-account')?.message ?? '', /account 111122223333, the role is in 999999999999/);
    assert.equal(r.byId('iam-account') && r.checks.filter((c) => c.id === 'iam-account').length, 1);
  });

  await t.test('discovery "issuer" differing from iss is a warning', async (t2) => {
    await chain.publish({ discoveryIssuer: `${chain.issuer}/` });
    t2.after(() => chain.publish());
    const file = chain.writeToken(await chain.mint());
    const r = await doctor(env, ['--token-file', file, '--role-arn', chain.roleArn]);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.byId('discovery-issuer')?.status, 'warn');
    assert.match(r.byId('discovery-issuer')?.message ?? '', /unconfirmed/);
  });

  await t.test('usage: no token file', async () => {
    const r = await runCli(['doctor', '--role-arn', chain.roleArn], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--token-file is required/);
  });
});

test('irsa doctor: provider URL differing by a trailing slash', async (t) => {
  const chain = await startChain(t, { providerUrl: undefined, issuerPath: 'cluster-2' });
  // Re-register the provider as the classic near miss: "<issuer>/".
  const { DeleteOpenIDConnectProviderCommand } = await import('@aws-sdk/client-iam');
  await chain.iam.client.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: chain.providerArn }));
  await chain.iam.ensureOidcProvider({
    url: `${chain.issuer}/`,
    clientIds: ['sts.amazonaws.com'],
    thumbprints: [chain.thumbprint],
  });
  const file = chain.writeToken(await chain.mint());
  const r = await doctor(chain.adminEnv(), ['--token-file', file, '--role-arn', chain.roleArn]);
  assert.equal(r.code, 1);
  const p = r.byId('iam-provider');
  assert.equal(p?.status, 'fail');
  assert.match(p?.message ?? '', /trailing slash/);
  assert.equal(
    p?.awsError,
    `InvalidIdentityToken: No OpenIDConnect provider found in your account for ${chain.issuer}`,
  );
  assert.equal(r.byId('sts')?.awsError, p?.awsError);
});

test('doctor checks, pure: near misses, caching headers, private CA', async () => {
  const { nearMiss, cacheCheck, tlsCheck } = await import('../../src/core/doctor/issuer-checks.js');
  assert.match(nearMiss('https://a.example/x', 'https://a.example/x/') ?? '', /provider URL has a trailing slash/);
  assert.match(nearMiss('https://a.example/x/', 'https://a.example/x') ?? '', /iss has a trailing slash/);
  assert.match(nearMiss('https://A.example/x', 'https://a.example/x') ?? '', /letter case/);
  assert.match(
    nearMiss('https://b.s3-eu-west-1.amazonaws.com/c', 'https://b.s3.eu-west-1.amazonaws.com/c') ?? '',
    /S3 host styles/,
  );
  assert.match(nearMiss('https://a.example/x', 'https://a.example/y') ?? '', /same host, different path/);
  assert.equal(nearMiss('https://a.example/x', 'https://other.example/x'), undefined);

  const doc = (cacheControl: string | undefined, ttl: number, pragma?: string) => ({
    kind: 'jwks' as const,
    url: 'https://a.example/jwks',
    cacheControl,
    pragma,
    cache: { ttlSeconds: ttl, source: 'x' },
  });
  for (const bad of [doc('no-cache', 0), doc('max-age=0', 0), doc(undefined, 0, 'no-cache')]) {
    const c = cacheCheck([bad]);
    assert.equal(c.status, 'warn');
    assert.match(c.message, /GitLab \(MR !138405\).*allow JWKS caching/);
  }
  assert.equal(cacheCheck([doc('public, max-age=3600', 3600)]).status, 'pass');

  const obs = { url: 'https://a.example/jwks', trusted: true, thumbprint: 'A'.repeat(40) };
  assert.equal(tlsCheck([obs], { [obs.url]: { authorized: true } }).status, 'pass');
  const viaTrustCa = tlsCheck([obs], { [obs.url]: { authorized: false, error: 'SELF_SIGNED_CERT_IN_CHAIN' } });
  assert.equal(viaTrustCa.status, 'warn', 'trusted only through --trust-ca is still a private CA');
  assert.match(viaTrustCa.message, /only through --trust-ca/);
});
