// `irsa iam trust-policy`: the scoped document the planner gives a role, for people who do IAM by hand — and the
// sandbox walkthrough (docs/sandbox.md) with it in place of a hand-written trust.json, end to end with the AWS CLI.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildTrustPolicy } from '../../src/core/aws/trust-policy-builder.js';
import { aws, awsEnv, mint, publishIssuer, rsaKey, sandboxFor, tmp } from '../sandbox/helpers.js';
import { runCli } from '../support/cli.js';

const ISSUER = 'https://oidc.example.com/c1';
const ARGS = ['iam', 'trust-policy', '--issuer', ISSUER, '--namespace', 'default', '--service-account', 'app'];
/** No AWS_REGION from the machine: the partition must come from the flags. */
const ENV = { AWS_REGION: '', AWS_DEFAULT_REGION: '' };

test('prints the scoped trust policy, StringEquals on sub and aud, the provider ARN from the account', async () => {
  const r = await runCli([...ARGS, '--account-id', '111122223333'], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(
    JSON.parse(r.stdout),
    buildTrustPolicy({
      providerArn: 'arn:aws:iam::111122223333:oidc-provider/oidc.example.com/c1',
      providerUrl: ISSUER,
      namespace: 'default',
      serviceAccount: 'app',
    }),
  );
  assert.match(r.stdout, /^\{\n {2}"Version": "2012-10-17",/, 'pretty-printed, ready for file://');
});

test('--output json: the document, the provider ARN and its size against the quota', async () => {
  const r = await runCli(
    [...ARGS, '--account-id', '111122223333', '--audience', 'a1', '--audience', 'a2', '-o', 'json'],
    {
      env: ENV,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.command, 'iam trust-policy');
  assert.equal(out.data.providerArn, 'arn:aws:iam::111122223333:oidc-provider/oidc.example.com/c1');
  assert.deepEqual(out.data.document.Statement[0].Condition.StringEquals['oidc.example.com/c1:aud'], ['a1', 'a2']);
  assert.ok(out.data.size > 200 && out.data.size < 2048);
});

test('the partition: from --partition, --region or $AWS_REGION; a given provider ARN must name the issuer', async () => {
  const arnOf = async (extra: string[], env: Record<string, string> = ENV) => {
    const r = await runCli([...ARGS, ...extra, '-o', 'json'], { env });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).data.providerArn as string;
  };
  assert.match(await arnOf(['--account-id', '111122223333', '--region', 'cn-north-1']), /^arn:aws-cn:/);
  assert.match(await arnOf(['--account-id', '111122223333', '--partition', 'aws-us-gov']), /^arn:aws-us-gov:/);
  assert.match(await arnOf(['--account-id', '111122223333'], { AWS_REGION: 'us-gov-west-1' }), /^arn:aws-us-gov:/);
  const given = 'arn:aws:iam::444455556666:oidc-provider/oidc.example.com/c1';
  assert.equal(await arnOf(['--provider-arn', given]), given);
});

test('refusals name the flag: no account, a bad account, a provider of another issuer, a partial wildcard', async () => {
  const cases: [string[], RegExp][] = [
    [[], /give --account-id \(the provider ARN is built from it\) or --provider-arn/],
    [['--account-id', '1234'], /--account-id must be 12 digits, got: 1234/],
    [
      ['--provider-arn', 'arn:aws:iam::111122223333:oidc-provider/other.example.com'],
      /--provider-arn names oidc-provider\/other\.example\.com, but the issuer makes oidc-provider\/oidc\.example\.com\/c1/,
    ],
    [
      ['--account-id', '111122223333', '--provider-arn', 'arn:aws:iam::111122223333:oidc-provider/oidc.example.com/c1'],
      /not both/,
    ],
    [['--account-id', '111122223333', '--partition', 'mars'], /--partition/],
  ];
  for (const [extra, expected] of cases) {
    const r = await runCli([...ARGS, ...extra], { env: ENV });
    assert.equal(r.code, 1, `${extra.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, expected);
  }
  const wild = await runCli(
    [
      'iam',
      'trust-policy',
      '--issuer',
      ISSUER,
      '--namespace',
      'app-*',
      '--service-account',
      'x',
      '--account-id',
      '111122223333',
    ],
    { env: ENV },
  );
  assert.equal(wild.code, 1);
  assert.match(wild.stderr, /--namespace must be a DNS-1123 label/);
  const http = await runCli(
    [
      'iam',
      'trust-policy',
      '--issuer',
      'http://x',
      '--namespace',
      'a',
      '--service-account',
      'b',
      '--account-id',
      '111122223333',
    ],
    { env: ENV },
  );
  assert.match(http.stderr, /--issuer URL must use https scheme/);
});

test('"*" is accepted when written, with StringLike, and said on stderr', async () => {
  const r = await runCli(
    [
      'iam',
      'trust-policy',
      '--issuer',
      ISSUER,
      '--namespace',
      'apps',
      '--service-account',
      '*',
      '--account-id',
      '111122223333',
    ],
    { env: ENV },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: the role trusts every ServiceAccount of namespace apps \(StringLike on :sub\)/);
  assert.deepEqual(JSON.parse(r.stdout).Statement[0].Condition.StringLike, {
    'oidc.example.com/c1:sub': 'system:serviceaccount:apps:*',
  });
});

test('the sandbox walkthrough: provider by the AWS CLI, role from `irsa iam trust-policy`, the pod assumes it', async (t) => {
  const sb = await sandboxFor(t, { accountId: '111122223333', region: 'eu-west-1' });
  const key = rsaKey();
  const issuer = publishIssuer(sb, [key]);
  const env = awsEnv(t, sb);
  const dir = tmp(t);
  const provider = await aws(
    ['iam', 'create-open-id-connect-provider', '--url', issuer, '--client-id-list', 'sts.amazonaws.com'],
    env,
  );
  assert.equal(provider.code, 0, provider.stderr);

  const trust = await runCli(
    [
      'iam',
      'trust-policy',
      '--issuer',
      issuer,
      '--namespace',
      'default',
      '--service-account',
      'app',
      '--account-id',
      sb.accountId,
    ],
    { env },
  );
  assert.equal(trust.code, 0, trust.stderr);
  writeFileSync(join(dir, 'trust.json'), trust.stdout);
  const role = await aws(
    [
      'iam',
      'create-role',
      '--role-name',
      'app@default',
      '--assume-role-policy-document',
      `file://${join(dir, 'trust.json')}`,
    ],
    env,
  );
  assert.equal(role.code, 0, role.stderr);
  const roleArn = JSON.parse(role.stdout).Role.Arn as string;

  const token = join(dir, 'token');
  writeFileSync(token, await mint(key, issuer, { serviceAccount: 'app' }));
  const podEnv: NodeJS.ProcessEnv = {
    ...env,
    AWS_ROLE_ARN: roleArn,
    AWS_WEB_IDENTITY_TOKEN_FILE: token,
    AWS_ROLE_SESSION_NAME: 'pod',
  };
  delete podEnv.AWS_ACCESS_KEY_ID;
  delete podEnv.AWS_SECRET_ACCESS_KEY;
  const who = await aws(['sts', 'get-caller-identity'], podEnv);
  assert.equal(who.code, 0, who.stderr);
  assert.equal(JSON.parse(who.stdout).Arn, 'arn:aws:sts::111122223333:assumed-role/app@default/pod');
  // Another ServiceAccount of the same namespace is refused: the trust is scoped, not "any token of the issuer".
  const assume = async (serviceAccount: string) =>
    aws(
      [
        'sts',
        'assume-role-with-web-identity',
        '--role-arn',
        roleArn,
        '--role-session-name',
        'cli',
        '--web-identity-token',
        await mint(key, issuer, { serviceAccount }),
      ],
      podEnv,
    );
  const same = await assume('app');
  assert.equal(same.code, 0, same.stderr);
  const other = await assume('other');
  assert.notEqual(other.code, 0);
  assert.match(other.stderr, /AccessDenied/);
  assert.ok(readFileSync(join(dir, 'trust.json'), 'utf8').includes('"StringEquals"'));
});
