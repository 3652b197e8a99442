// The audit's rules as pure functions (core/audit): the trust-policy shapes the field gets wrong, judged by what the
// sandbox STS evaluator admits, not by reading patterns — a Deny that narrows an Allow, set operators, wildcards in
// the namespace part, negated operators, several statements and providers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAudit } from '../../src/core/audit/audit.js';
import type { AuditInput, Finding } from '../../src/core/audit/types.js';
import { buildIamPolicy } from '../../src/core/iam-policy/build.js';
import { loadConfig } from '../../src/core/config/load.js';

const ACCOUNT = '111122223333';
const URL = 'https://oidc.rules.example/c1';
const HOST = 'oidc.rules.example/c1';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST}`;
const AUD = { [`${HOST}:aud`]: 'sts.amazonaws.com' };

function statement(condition?: Record<string, Record<string, unknown>>, effect = 'Allow') {
  return {
    Effect: effect,
    Principal: { Federated: PROVIDER },
    Action: 'sts:AssumeRoleWithWebIdentity',
    ...(condition ? { Condition: condition } : {}),
  };
}

function audit(statements: unknown[], extra: Partial<AuditInput> = {}): Finding[] {
  return runAudit({
    accountId: ACCOUNT,
    roles: [
      {
        name: 'r',
        arn: `arn:aws:iam::${ACCOUNT}:role/r`,
        trustPolicy: { Version: '2012-10-17', Statement: statements },
      },
    ],
    providers: [{ arn: PROVIDER, url: URL, clientIds: ['sts.amazonaws.com'] }],
    ...extra,
  }).findings;
}

const rules = (findings: Finding[]) => findings.map((f) => `${f.rule}@${f.statement?.index ?? '-'}`).sort();

test('subject wildcards that span namespaces are high, whatever the operator spelling', () => {
  for (const [op, pattern] of [
    ['StringLike', 'system:serviceaccount:*'],
    ['StringLike', 'system:serviceaccount:*:app'],
    ['StringLike', 'system:serviceaccount:team-*:app'],
    ['ForAnyValue:StringLike', 'system:serviceaccount:*:app'],
    ['StringNotEquals', 'system:serviceaccount:kube-system:default'],
  ]) {
    const found = audit([statement({ StringEquals: AUD, [op]: { [`${HOST}:sub`]: pattern } })]);
    assert.deepEqual(rules(found), ['sub-spans-namespaces@0'], `${op} ${pattern}`);
  }
});

test('one namespace is low, one ServiceAccount is nothing, a wildcard in the name part only stays in its namespace', () => {
  assert.deepEqual(
    rules(audit([statement({ StringEquals: AUD, StringLike: { [`${HOST}:sub`]: 'system:serviceaccount:ns:*' } })])),
    ['namespace-wide-subject@0'],
  );
  assert.deepEqual(
    rules(audit([statement({ StringEquals: { ...AUD, [`${HOST}:sub`]: 'system:serviceaccount:ns:app' } })])),
    [],
  );
  // Condition keys are case-insensitive in IAM: an upper-case key still scopes.
  assert.deepEqual(
    rules(
      audit([statement({ StringEquals: { [`${HOST.toUpperCase()}:SUB`]: 'system:serviceaccount:ns:app', ...AUD } })]),
    ),
    [],
  );
});

test('a Deny that narrows an unconditioned Allow to one subject is judged as the evaluator decides: no high', () => {
  const found = audit([
    statement(),
    statement({ StringNotEquals: { [`${HOST}:sub`]: 'system:serviceaccount:ns:app' } }, 'Deny'),
  ]);
  // The Allow still has no aud condition: medium, on statement 0.
  assert.deepEqual(rules(found), ['no-aud-condition@0']);
});

test('the statement index is the one in the role; each provider of a statement is judged on its own', () => {
  const other = 'arn:aws:iam::111122223333:oidc-provider/gone.example/c9';
  const found = audit([
    { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    { ...statement({ StringEquals: AUD }), Principal: { Federated: [PROVIDER, other] } },
  ]);
  // Through PROVIDER: aud only, high. Through the missing provider: the aud key names PROVIDER's host, so no token
  // of that provider gets in (the evaluator says so): only the missing provider is told.
  assert.deepEqual(
    found.map((f) => [f.rule, f.statement?.index, f.provider]),
    [
      ['no-sub-condition', 1, PROVIDER],
      ['provider-missing', 1, other],
    ],
  );
});

test('--provider keeps only that provider; a trust policy that is not JSON is a note, not a finding', () => {
  const result = runAudit({
    accountId: ACCOUNT,
    roles: [{ name: 'bad', arn: `arn:aws:iam::${ACCOUNT}:role/bad`, trustPolicy: 'not json' }],
    providers: [
      { arn: PROVIDER, url: URL, clientIds: ['sts.amazonaws.com'] },
      { arn: 'arn:aws:iam::111122223333:oidc-provider/x.example', url: 'https://x.example', clientIds: [] },
    ],
    providerArn: PROVIDER,
  });
  assert.deepEqual(rules(result.findings), ['provider-unused@-']);
  assert.match(result.notes[0], /role bad: its trust policy is not a JSON policy/);
});

test('iam policy: audit alone is account-wide reads; directory publishing needs no S3; paths are in role ARNs', () => {
  const { config } = loadConfig(
    `apiVersion: irsa-anywhere/v1
kind: Config
region: eu-west-1
clusters:
  - name: c1
    issuer: https://oidc.example.com/c1
    keys: [sa.pub]
    thumbprints: []
    publish: {directory: out}
    serviceAccounts:
      - {namespace: ns, name: app, path: /team/}
`,
    { file: 'irsa.yaml', dir: '/nowhere', readFile: () => Buffer.from('') } as never,
  );
  const auditOnly = buildIamPolicy({ config, accountId: ACCOUNT, commands: ['audit'], bulkRead: false });
  assert.deepEqual(auditOnly.document.Statement, [
    {
      Sid: 'IrsaAccountWide',
      Effect: 'Allow',
      Action: ['iam:ListOpenIDConnectProviders', 'iam:ListRoles'],
      Resource: '*',
    },
    {
      Sid: 'IrsaEveryOidcProvider',
      Effect: 'Allow',
      Action: ['iam:GetOpenIDConnectProvider'],
      Resource: `arn:aws:iam::${ACCOUNT}:oidc-provider/*`,
    },
  ]);
  const apply = buildIamPolicy({ config, accountId: ACCOUNT, commands: ['apply'], bulkRead: false });
  const all = apply.document.Statement.flatMap((s) => s.Action);
  assert.equal(all.filter((a) => a.startsWith('s3:')).length, 0);
  const roles = apply.document.Statement.find((s) => s.Sid === 'IrsaRoles');
  assert.equal(roles?.Resource, `arn:aws:iam::${ACCOUNT}:role/team/app@ns`);
});
