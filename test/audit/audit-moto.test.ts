// irsa audit against a real moto_server: deliberately bad roles (aud only, a subject wildcard across namespaces, no
// condition, a deleted provider, namespace-wide by intent) beside a well-scoped one, run as a user runs it (the built
// CLI, AWS_ENDPOINT_URL at moto); each bad role flagged with its severity and the scoped fix, the well-scoped one
// not; the JSON envelope and the SARIF log checked (SARIF against its 2.1.0 JSON schema); --kubeconfig against the
// local test API server; the call count for 200 roles measured.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { IAMClient } from '@aws-sdk/client-iam';
import { tempDir } from '../support/cli.js';
import { startKubeApiServer } from '../support/kube-apiserver.js';
import { type MotoServer, startMoto } from '../support/moto-server.js';
import { awsEnv, irsa, irsaJson, type Loose, type T } from '../cli/provision-support.js';
import {
  ACCOUNT,
  createProvider,
  createRole,
  providerArnOf,
  sarifValidator,
  webIdentityTrust,
} from './audit-support.js';

const P1 = 'https://oidc.audit.example/c1';
const P2 = 'https://oidc.audit.example/c2';
const UNUSED = 'https://oidc.audit.example/unused';
const GHOST = 'https://oidc.audit.example/deleted';
const H1 = P1.slice('https://'.length);
const H2 = P2.slice('https://'.length);
const HG = GHOST.slice('https://'.length);
const AUD = 'sts.amazonaws.com';

let moto: MotoServer;
let iam: IAMClient;
const arn: Record<string, string> = {};

before(async () => {
  moto = await startMoto();
  iam = new IAMClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await createProvider(iam, P1, [AUD]);
  await createProvider(iam, P2, [AUD, 'legacy-client']);
  await createProvider(iam, UNUSED, [AUD]);
  const roles: Record<string, unknown> = {
    'aud-only': webIdentityTrust(P1, { StringEquals: { [`${H1}:aud`]: AUD } }),
    'wildcard-subject': webIdentityTrust(P1, {
      StringEquals: { [`${H1}:aud`]: AUD },
      StringLike: { [`${H1}:sub`]: 'system:serviceaccount:*' },
    }),
    'no-condition': webIdentityTrust(P1),
    ghost: webIdentityTrust(GHOST, {
      StringEquals: { [`${HG}:aud`]: AUD, [`${HG}:sub`]: 'system:serviceaccount:payments:api' },
    }),
    'well-scoped': webIdentityTrust(P2, {
      StringEquals: { [`${H2}:aud`]: AUD, [`${H2}:sub`]: 'system:serviceaccount:payments:api' },
    }),
    'namespace-wide': webIdentityTrust(P2, {
      StringEquals: { [`${H2}:aud`]: AUD },
      StringLike: { [`${H2}:sub`]: 'system:serviceaccount:team-a:*' },
    }),
    'ec2-instance': {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    },
  };
  for (const [name, trust] of Object.entries(roles)) arn[name] = await createRole(iam, name, trust);
});
after(async () => {
  iam?.destroy();
  await moto?.stop();
});

const env = (t: T) => awsEnv(t, { AWS_ENDPOINT_URL: moto.endpoint });

function byRule(findings: Loose[], role: string): Record<string, Loose> {
  return Object.fromEntries(findings.filter((f) => f.role === arn[role]).map((f) => [f.rule, f]));
}

// Reproduction: `irsa audit --provider arn:aws:iam::111122223333:oidc-provider/` (no host), `…/https://x.com` (a
// scheme) and a path with a space were taken, and the audit ran to report nothing about a provider that cannot exist.
test('--provider that is not an OIDC provider ARN: a usage error naming the flag, before any AWS call', async (t) => {
  const env = awsEnv(t, { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
  for (const arn of [
    'arn:aws:iam::111122223333:oidc-provider/',
    'arn:aws:iam::111122223333:oidc-provider/https://oidc.example.com/c1',
    'arn:aws:iam::111122223333:oidc-provider/oidc.example.com/a b',
    'arn:aws:iam::1:oidc-provider/oidc.example.com',
    'arn:aws:iam::111122223333:role/x',
  ]) {
    const r = await irsaJson(['audit', '--provider', arn], env);
    assert.equal(r.code, 1, arn);
    assert.equal(r.json.error.code, 'ERR_USAGE', arn);
    assert.match(r.json.error.message, /^--provider must be an OIDC provider ARN/);
  }
  const ok = await irsaJson(
    ['audit', '--provider', 'arn:aws:iam::111122223333:oidc-provider/oidc.example.com:8443/c1'],
    env,
  );
  assert.match(ok.json.error.message, /^IAM \w+: connection refused/, 'a good ARN reaches AWS');
});

test('each bad role is flagged with its severity, statement and scoped fix; the well-scoped one is not; exit 1 on high', async (t) => {
  const r = await irsaJson(['audit'], env(t));
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.json.ok, false);
  const findings: Loose[] = r.json.data.findings;
  for (const f of findings) {
    assert.deepEqual(
      Object.keys(f).filter((k) => ['severity', 'rule', 'role', 'statement', 'message', 'fix'].includes(k)).length,
      6,
    );
    assert.ok(['high', 'medium', 'low'].includes(f.severity));
    assert.equal(typeof f.message, 'string');
    assert.equal(typeof f.fix.text, 'string');
  }
  const sev = (role: string) =>
    Object.fromEntries(Object.entries(byRule(findings, role)).map(([rule, f]) => [rule, f.severity]));
  assert.deepEqual(sev('aud-only'), { 'no-sub-condition': 'high' });
  assert.deepEqual(sev('wildcard-subject'), { 'sub-spans-namespaces': 'high' });
  assert.deepEqual(sev('no-condition'), { 'no-sub-condition': 'high', 'no-aud-condition': 'medium' });
  assert.deepEqual(sev('ghost'), { 'provider-missing': 'medium' });
  assert.deepEqual(sev('namespace-wide'), { 'namespace-wide-subject': 'low' });
  assert.deepEqual(sev('well-scoped'), {});
  assert.deepEqual(sev('ec2-instance'), {});
  // Providers: one trusted by no role, one client ID no aud condition names.
  const unused = findings.filter((f) => f.role === null).map((f) => [f.rule, f.provider, f.severity]);
  assert.deepEqual(unused.sort(), [
    ['client-id-unused', providerArnOf(P2), 'low'],
    ['provider-unused', providerArnOf(UNUSED), 'low'],
  ]);
  assert.deepEqual(r.json.data.counts, { high: 3, medium: 2, low: 3 });
  // The statement exactly as IAM holds it, and the fix the trust-policy builder makes.
  const audOnly = byRule(findings, 'aud-only')['no-sub-condition'];
  assert.deepEqual(audOnly.statement, {
    index: 0,
    json: webIdentityTrust(P1, { StringEquals: { [`${H1}:aud`]: AUD } }).Statement[0],
  });
  assert.deepEqual(audOnly.fix.statement, {
    Effect: 'Allow',
    Principal: { Federated: providerArnOf(P1) },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: { [`${H1}:sub`]: 'system:serviceaccount:<namespace>:<service-account>', [`${H1}:aud`]: AUD },
    },
  });
  assert.match(audOnly.fix.command, /^irsa iam trust-policy --issuer https:\/\/oidc\.audit\.example\/c1 /);
  const wide = byRule(findings, 'namespace-wide')['namespace-wide-subject'];
  assert.equal(
    wide.fix.statement.Condition.StringEquals[`${H2}:sub`],
    'system:serviceaccount:team-a:<service-account>',
  );
  // The fix command prints the fix statement itself (one builder).
  const printed = await irsaJson(
    [
      'iam',
      'trust-policy',
      '--issuer',
      P1,
      '--namespace',
      'payments',
      '--service-account',
      'api',
      '--provider-arn',
      providerArnOf(P1),
    ],
    env(t),
  );
  assert.deepEqual(printed.json.data.document.Statement[0].Principal, audOnly.fix.statement.Principal);
});

test('--output sarif is a plain SARIF 2.1.0 log valid against its schema, one result per finding', async (t) => {
  const [json, sarif] = await Promise.all([irsaJson(['audit'], env(t)), irsa(['audit', '--output', 'sarif'], env(t))]);
  assert.equal(sarif.code, 1);
  const log = JSON.parse(sarif.stdout);
  const validate = sarifValidator();
  assert.deepEqual(validate(log), []);
  // The validator does refuse what is not SARIF 2.1.0.
  assert.notDeepEqual(validate({ ...log, version: '2.0.0' }), []);
  assert.notDeepEqual(validate({ ...log, runs: [{ ...log.runs[0], results: [{ level: 'fatal' }] }] }), []);
  assert.equal(log.version, '2.1.0');
  const run = log.runs[0];
  assert.equal(run.results.length, json.json.data.findings.length);
  const ruleIds = run.tool.driver.rules.map((r: Loose) => r.id);
  for (const res of run.results) {
    assert.equal(ruleIds[res.ruleIndex], res.ruleId);
    assert.ok(run.tool.driver.rules[res.ruleIndex].help.text.length > 20);
  }
  const levels = run.results.map((r: Loose) => r.level).sort();
  assert.deepEqual(levels, ['error', 'error', 'error', 'note', 'note', 'note', 'warning', 'warning']);
  const wildcard = run.results.find(
    (r: Loose) => r.locations[0].physicalLocation.artifactLocation.uri === arn['wildcard-subject'],
  );
  assert.equal(wildcard.ruleId, 'sub-spans-namespaces');
  assert.equal(run.tool.driver.rules[wildcard.ruleIndex].properties['security-severity'], '8.0');
});

test('--provider narrows the audit to one provider: no high finding there, exit 0', async (t) => {
  const r = await irsaJson(['audit', '--provider', providerArnOf(P2)], env(t));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.json.data.findings.map((f: Loose) => f.rule).sort(), [
    'client-id-unused',
    'namespace-wide-subject',
  ]);
  const bad = await irsa(['audit', '--provider', 'arn:aws:iam::123456789012:role/x'], env(t));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--provider must be an OIDC provider ARN/);
  // sarif is the audit's alone.
  const other = await irsa(
    [
      'iam',
      'trust-policy',
      '--issuer',
      P1,
      '--namespace',
      'a',
      '--service-account',
      'b',
      '--account-id',
      ACCOUNT,
      '--output',
      'sarif',
    ],
    env(t),
  );
  assert.equal(other.code, 1);
  assert.match(other.stderr, /--output must be text or json for irsa iam trust-policy, got: sarif/);
});

test('--kubeconfig: a ServiceAccount naming a missing role, or a role that does not trust it, is medium', async (t) => {
  const kube = await startKubeApiServer();
  t.after(() => kube.close());
  const kubeconfig = kube.writeKubeconfig(tempDir(t, 'irsa-audit-kube-'));
  const sa = (namespace: string, name: string, roleArn: string) =>
    kube.put('serviceaccounts', {
      metadata: { name, namespace, annotations: { 'eks.amazonaws.com/role-arn': roleArn } },
    });
  sa('payments', 'api', arn['well-scoped']);
  sa('payments', 'worker', arn['well-scoped']);
  sa('default', 'lost', `arn:aws:iam::${ACCOUNT}:role/does-not-exist`);
  sa('default', 'elsewhere', 'arn:aws:iam::999999999999:role/app');
  kube.put('serviceaccounts', { metadata: { name: 'plain', namespace: 'default' } });
  const r = await irsaJson(['audit', '--kubeconfig', kubeconfig, '--provider', providerArnOf(P2)], env(t));
  const sas = r.json.data.findings.filter((f: Loose) => f.serviceAccount);
  assert.deepEqual(sas.map((f: Loose) => [f.rule, f.serviceAccount, f.severity, f.role]).sort(), [
    ['service-account-not-trusted', 'payments/worker', 'medium', arn['well-scoped']],
    ['service-account-role-missing', 'default/lost', 'medium', `arn:aws:iam::${ACCOUNT}:role/does-not-exist`],
  ]);
  const notTrusted = sas.find((f: Loose) => f.rule === 'service-account-not-trusted');
  assert.equal(notTrusted.fix.statement.Condition.StringEquals[`${H2}:sub`], 'system:serviceaccount:payments:worker');
  assert.ok(r.json.warnings.some((w: string) => /default\/elsewhere names a role of account 999999999999/.test(w)));
});

test('text output names each finding, its statement and fix; the call count is a few calls for 200 roles', async (t) => {
  for (let i = 0; i < 193; i++) {
    await createRole(
      iam,
      `filler-${i}`,
      webIdentityTrust(P2, {
        StringEquals: { [`${H2}:aud`]: AUD, [`${H2}:sub`]: `system:serviceaccount:filler:sa${i}` },
      }),
    );
  }
  const r = await irsaJson(['audit'], env(t));
  assert.equal(r.json.data.rolesRead, 200);
  // STS GetCallerIdentity, one ListRoles page (1,000 a page), one provider list, one read per provider (3).
  assert.deepEqual(r.json.data.callsByAction, {
    'iam:GetOpenIDConnectProvider': 3,
    'iam:ListOpenIDConnectProviders': 1,
    'iam:ListRoles': 1,
    'sts:GetCallerIdentity': 1,
  });
  assert.equal(r.json.data.awsCalls, 6);
  const text = await irsa(['audit'], env(t));
  assert.equal(text.code, 1);
  assert.match(text.stdout, /^HIGH {3}no-sub-condition {2}arn:aws:iam::123456789012:role\/aud-only {2}statement 0$/m);
  assert.match(text.stdout, /^ {2}fix: /m);
  assert.match(
    text.stdout,
    /3 high, 2 medium, 3 low: 199 of 200 roles trust an OIDC provider, 3 providers; 6 AWS calls$/m,
  );
});
