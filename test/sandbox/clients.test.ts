// The sandbox driven by the unmodified clients users have: aws CLI v1, boto3 and the AWS SDK v3 credential chain.
// Provider and role are created through IAM with the CLI, the token is minted for the sandbox issuer host, and
// web-identity credentials must come back and sign a GetCallerIdentity that names the assumed role.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromNodeProviderChain, fromTokenFile } from '@aws-sdk/credential-providers';
import type { Sandbox } from '../../src/sandbox/index.js';
import { aws, awsEnv, mint, provision, publishIssuer, rsaKey, run, sandboxFor, tmp, trustPolicy } from './helpers.js';

const ROLE = 'test-pod-sa@default';
const SUB = 'system:serviceaccount:default:test-pod-sa';

async function setUp(t: Parameters<typeof sandboxFor>[0], viaCli = false) {
  const sb = await sandboxFor(t, { accountId: '111122223333', region: 'eu-west-1' });
  const key = rsaKey();
  const issuer = publishIssuer(sb, [key]);
  const env = awsEnv(t, sb);
  const tokenFile = join(tmp(t), 'token');
  writeFileSync(tokenFile, await mint(key, issuer));
  if (!viaCli) {
    const { providerArn, roleArn } = await provision(sb, issuer);
    return { sb, key, issuer, env, providerArn, roleArn, tokenFile, podEnv: podEnvFor(t, sb, roleArn, tokenFile) };
  }
  // Thumbprint left out: the sandbox computes it from the served chain, as IAM does.
  const created = await aws(
    ['iam', 'create-open-id-connect-provider', '--url', issuer, '--client-id-list', 'sts.amazonaws.com'],
    env,
  );
  assert.equal(created.code, 0, created.stderr);
  const providerArn = JSON.parse(created.stdout).OpenIDConnectProviderArn as string;
  assert.equal(providerArn, `arn:aws:iam::111122223333:oidc-provider/${issuer.slice('https://'.length)}`);
  const role = await aws(
    [
      'iam',
      'create-role',
      '--role-name',
      ROLE,
      '--assume-role-policy-document',
      trustPolicy(providerArn, issuer.slice('https://'.length), SUB),
    ],
    env,
  );
  assert.equal(role.code, 0, role.stderr);
  const roleArn = JSON.parse(role.stdout).Role.Arn as string;
  return { sb, key, issuer, env, providerArn, roleArn, tokenFile, podEnv: podEnvFor(t, sb, roleArn, tokenFile) };
}

/** The pod's environment: only the web-identity variables, no keys. */
function podEnvFor(t: Parameters<typeof sandboxFor>[0], sb: Sandbox, roleArn: string, tokenFile: string) {
  const podEnv = awsEnv(t, sb, {
    AWS_ROLE_ARN: roleArn,
    AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    AWS_ROLE_SESSION_NAME: 'pod',
  });
  delete podEnv.AWS_ACCESS_KEY_ID;
  delete podEnv.AWS_SECRET_ACCESS_KEY;
  return podEnv;
}

const assumedArn = 'arn:aws:sts::111122223333:assumed-role/test-pod-sa@default/pod';

test('aws CLI: provider + role via IAM, then web-identity credentials sign GetCallerIdentity', async (t) => {
  const s = await setUp(t, true);
  const provider = await aws(
    ['iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', s.providerArn],
    s.env,
  );
  assert.equal(provider.code, 0, provider.stderr);
  const p = JSON.parse(provider.stdout);
  assert.equal(p.Url, s.issuer.slice('https://'.length), 'Url comes back without https://');
  assert.match(p.ThumbprintList[0], /^[0-9A-F]{40}$/);

  const who = await aws(['sts', 'get-caller-identity'], s.podEnv);
  assert.equal(who.code, 0, who.stderr);
  const id = JSON.parse(who.stdout);
  assert.equal(id.Arn, assumedArn);
  assert.equal(id.Account, '111122223333');
  assert.match(id.UserId, /^AROA[A-Z0-9]{17}:pod$/);

  // The explicit call shows every member AWS returns.
  const token = (await import('node:fs')).readFileSync(s.tokenFile, 'utf8');
  const assumed = await aws(
    [
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      s.roleArn,
      '--role-session-name',
      'cli',
      '--web-identity-token',
      token,
      '--duration-seconds',
      '900',
    ],
    s.podEnv,
  );
  assert.equal(assumed.code, 0, assumed.stderr);
  const a = JSON.parse(assumed.stdout);
  assert.match(a.Credentials.AccessKeyId, /^ASIA[A-Z0-9]{16}$/);
  assert.equal(a.Credentials.SecretAccessKey.length, 40);
  assert.ok(a.Credentials.SessionToken.length > 100);
  const ttl = Date.parse(a.Credentials.Expiration) - Date.now();
  assert.ok(ttl > 880_000 && ttl <= 901_000, `expiration ${a.Credentials.Expiration}`);
  assert.equal(a.SubjectFromWebIdentityToken, SUB);
  assert.equal(a.Audience, 'sts.amazonaws.com');
  assert.equal(a.Provider, s.providerArn);
  assert.equal(a.AssumedRoleUser.Arn, 'arn:aws:sts::111122223333:assumed-role/test-pod-sa@default/cli');
  assert.match(a.AssumedRoleUser.AssumedRoleId, /^AROA[A-Z0-9]{17}:cli$/);

  // Admin key: the account root.
  const admin = await aws(['sts', 'get-caller-identity'], s.env);
  assert.equal(JSON.parse(admin.stdout).Arn, 'arn:aws:iam::111122223333:root');
});

test('boto3: web-identity credentials from the environment, signed GetCallerIdentity', async (t) => {
  const s = await setUp(t);
  const py = 'import boto3,json; print(json.dumps(boto3.client("sts").get_caller_identity()))';
  const r = await run('python3', ['-c', py], s.podEnv);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).Arn, assumedArn);
});

test('AWS SDK v3: fromTokenFile and fromNodeProviderChain get credentials; the session signs GetCallerIdentity', async (t) => {
  const s = await setUp(t);
  const saved = { ...process.env };
  t.after(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
  Object.assign(process.env, s.podEnv);

  const fromFile = await fromTokenFile({ clientConfig: { region: s.sb.region } })();
  assert.match(fromFile.accessKeyId, /^ASIA/);
  const sts = new STSClient({ region: s.sb.region, credentials: fromNodeProviderChain() });
  t.after(() => sts.destroy());
  const id = await sts.send(new GetCallerIdentityCommand({}));
  assert.equal(id.Arn, assumedArn);
  assert.equal(id.Account, '111122223333');

  // The same session credentials, with the token removed or altered, are refused as AWS refuses them.
  const bare = new STSClient({
    region: s.sb.region,
    credentials: { accessKeyId: fromFile.accessKeyId, secretAccessKey: fromFile.secretAccessKey },
  });
  t.after(() => bare.destroy());
  await assert.rejects(bare.send(new GetCallerIdentityCommand({})), { name: 'InvalidClientTokenId' });
  // Change the last character to one it is not (a fixed 'x' would be the right secret once in 64 runs).
  const last = fromFile.secretAccessKey.slice(-1);
  const badSecret = `${fromFile.secretAccessKey.slice(0, -1)}${last === 'x' ? 'y' : 'x'}`;
  assert.notEqual(badSecret, fromFile.secretAccessKey);
  const wrongSecret = new STSClient({
    region: s.sb.region,
    credentials: { ...fromFile, secretAccessKey: badSecret },
  });
  t.after(() => wrongSecret.destroy());
  await assert.rejects(wrongSecret.send(new GetCallerIdentityCommand({})), { name: 'SignatureDoesNotMatch' });
});
