// irsa plan | apply | destroy end to end against a real moto_server (MOTO_IAM_LOAD_MANAGED_POLICIES=true), run as a
// user runs them (the built CLI, AWS_ENDPOINT_URL at moto), with everything they made read back independently by
// the AWS CLI — never by irsa's own readers. One moto for the file; each test names its own bucket, cluster and
// roles. moto cannot add or remove a provider's client IDs (no Add/RemoveClientIDToOpenIDConnectProvider): that
// reconciliation is tested against the sandbox (provision-sandbox.test.ts).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildDiscovery, serializeDiscovery } from '../../src/core/issuer/discovery.js';
import { buildJwks, serializeJwks } from '../../src/core/issuer/jwks.js';
import { CLI, runProcess } from '../support/cli.js';
import { startKubeApiServer } from '../support/kube-apiserver.js';
import { freePort, type MotoServer, startMoto } from '../support/moto-server.js';
import {
  aws,
  awsEnv,
  awsOrCode,
  irsa,
  irsaJson,
  type Loose,
  lastLine,
  type T,
  unique,
  workspace,
} from './provision-support.js';

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const INLINE = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::reports/*' }],
};

let moto: MotoServer;
before(async () => {
  moto = await startMoto();
});
after(() => moto?.stop());

interface Names {
  cluster: string;
  bucket: string;
  namespace: string;
  issuer: string;
  providerArn: string;
  sid: string;
}

function names(): Names {
  const u = unique();
  const cluster = `c${u}`;
  const bucket = `irsa-${u}`;
  const issuer = `https://${bucket}.s3.us-east-1.amazonaws.com/${cluster}`;
  return {
    cluster,
    bucket,
    namespace: `t${u}`,
    issuer,
    providerArn: `arn:aws:iam::123456789012:oidc-provider/${issuer.slice('https://'.length)}`,
    sid: `IrsaAnywhereC${u}`,
  };
}

/** The file of these tests: one cluster publishing to S3, service accounts `app` and `legacy` (role named). */
function configText(n: Names, o: { legacyRole?: string; annotate?: boolean } = {}): string {
  return `apiVersion: irsa-anywhere/v1
kind: Config
region: us-east-1
tags: {suite: provision-moto}
clusters:
  - name: ${n.cluster}
    issuer: ${n.issuer}
    keys: [keys/sa.pub]
    thumbprints: []
    publish:
      s3: {bucket: ${n.bucket}, prefix: ${n.cluster}, create: true, maxAge: 10m}
    serviceAccounts:
      - namespace: ${n.namespace}
        name: app
        description: reads reports
        policies: [${READ_ONLY}]
        inlinePolicies:
          read: ${JSON.stringify(INLINE)}${o.annotate ? '\n        annotate: true' : ''}
${o.legacyRole ? `      - namespace: ${n.namespace}\n        name: legacy\n        role: ${o.legacyRole}\n` : ''}`;
}

const env = (t: T) => awsEnv(t, { AWS_ENDPOINT_URL: moto.endpoint });

/**
 * Every role of the account as the AWS CLI reads it in one call (GetAccountAuthorizationDetails, paged by the CLI):
 * trust, tags, attached and inline policies. Absent roles are absent.
 */
async function roles(e: NodeJS.ProcessEnv): Promise<Map<string, Loose>> {
  const got = await aws(['iam', 'get-account-authorization-details', '--filter', 'Role'], e);
  return new Map(
    got.RoleDetailList.map((r: Loose) => [
      r.RoleName,
      {
        ...r,
        tags: tagMap(r.Tags),
        attached: r.AttachedManagedPolicies.map((p: Loose) => p.PolicyArn),
        inline: r.RolePolicyList.map((p: Loose) => p.PolicyName),
      },
    ]),
  );
}

const tagMap = (list: { Key: string; Value: string }[] = []) => Object.fromEntries(list.map((x) => [x.Key, x.Value]));

const ourTags = (n: Names) => ({
  'irsa-anywhere/managed-by': 'irsa-anywhere',
  'irsa-anywhere/cluster': n.cluster,
  suite: 'provision-moto',
});

async function bucketPolicy(n: Names, e: NodeJS.ProcessEnv): Promise<Loose> {
  const got = await awsOrCode(['s3api', 'get-bucket-policy', '--bucket', n.bucket], e);
  return got.errorCode ? got : JSON.parse(got.Policy);
}

async function objectKeys(n: Names, e: NodeJS.ProcessEnv): Promise<string[]> {
  const got = await aws(['s3api', 'list-objects-v2', '--bucket', n.bucket], e);
  return (got?.Contents ?? []).map((o: Loose) => o.Key).sort();
}

/** Everything the AWS CLI sees right after the first apply: documents, bucket, provider, role. */
async function checkCreated(n: Names, ws: ReturnType<typeof workspace>, e: NodeJS.ProcessEnv) {
  const keys = [`${n.cluster}/.well-known/openid-configuration`, `${n.cluster}/openid/v1/jwks`];
  const out = keys.map((_, i) => join(ws.dir, `object-${i}`));
  const [policy, block, bucketTags, discovery, jwks, provider, all, app] = await Promise.all([
    bucketPolicy(n, e),
    aws(['s3api', 'get-public-access-block', '--bucket', n.bucket], e),
    aws(['s3api', 'get-bucket-tagging', '--bucket', n.bucket], e),
    aws(['s3api', 'get-object', '--bucket', n.bucket, '--key', keys[0], out[0]], e),
    aws(['s3api', 'get-object', '--bucket', n.bucket, '--key', keys[1], out[1]], e),
    aws(['iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', n.providerArn], e),
    roles(e),
    aws(['iam', 'get-role', '--role-name', `app@${n.namespace}`], e),
  ]);
  assert.deepEqual(policy.Statement, [
    {
      Sid: n.sid,
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: keys.map((k) => `arn:aws:s3:::${n.bucket}/${k}`),
    },
  ]);
  assert.deepEqual(block.PublicAccessBlockConfiguration, {
    BlockPublicAcls: true,
    IgnorePublicAcls: true,
    BlockPublicPolicy: false,
    RestrictPublicBuckets: false,
  });
  assert.deepEqual(tagMap(bucketTags.TagSet), ourTags(n));
  // Exactly what `irsa issuer discovery` and `irsa issuer jwks` make, served as JSON for at most the configured age.
  const keySet = buildJwks([ws.pair.key]);
  const expected = [
    serializeDiscovery(buildDiscovery(n.issuer, `${n.issuer}/openid/v1/jwks`, keySet)),
    serializeJwks(keySet),
  ];
  [discovery, jwks].forEach((head, i) => {
    assert.equal(head.ContentType, 'application/json', keys[i]);
    assert.equal(head.CacheControl, 'public, max-age=600', keys[i]);
    assert.equal(readFileSync(out[i], 'utf8'), expected[i], keys[i]);
  });
  assert.equal(`https://${provider.Url}`, n.issuer);
  assert.deepEqual(provider.ClientIDList, ['sts.amazonaws.com']);
  assert.deepEqual(tagMap(provider.Tags), ourTags(n));
  const role = all.get(`app@${n.namespace}`);
  assert.deepEqual(role.tags, ourTags(n));
  assert.deepEqual(role.attached, [READ_ONLY]);
  assert.deepEqual(role.inline, ['read']);
  assert.equal(app.Role.Description, 'reads reports');
  const host = n.issuer.slice('https://'.length);
  assert.deepEqual(role.AssumeRolePolicyDocument.Statement, [
    {
      Effect: 'Allow',
      Principal: { Federated: n.providerArn },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          [`${host}:aud`]: 'sts.amazonaws.com',
          [`${host}:sub`]: `system:serviceaccount:${n.namespace}:app`,
        },
      },
    },
  ]);
}

test('apply creates it all (read back by the AWS CLI), a second plan is empty, drift is shown and repaired, an untagged same-name role is left untouched throughout, destroy removes ours and nothing else', async (t) => {
  const n = names();
  const ws = workspace(t);
  const e = env(t);
  const legacy = `legacy@${n.namespace}`;
  // Someone else's role with the name the file asks for: not tagged as irsa's.
  const legacyTrust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
  await aws(
    [
      'iam',
      'create-role',
      '--role-name',
      legacy,
      '--assume-role-policy-document',
      JSON.stringify(legacyTrust),
      '--description',
      'hand-made',
    ],
    e,
  );
  const legacyBefore = (await roles(e)).get(legacy);
  assert.ok(legacyBefore);
  ws.write(configText(n, { legacyRole: legacy }));

  const first = await irsa(['plan', '-f', ws.file], e);
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stdout, new RegExp(`! role ${legacy} \\(cluster ${n.cluster}\\): .*not tagged`));
  assert.match(first.stdout, /--adopt/);
  assert.match(lastLine(first.stdout), /^Plan: 5 to add, 0 to change, 0 to destroy\. 1 conflict\.$/);

  // apply does everything else, reports the conflict, exits 1.
  const applied = await irsa(['apply', '-f', ws.file, '--auto-approve'], e);
  assert.equal(applied.code, 1, applied.stdout + applied.stderr);
  assert.equal(
    lastLine(applied.stdout),
    'Apply incomplete: 5 added, 0 changed, 0 destroyed; 0 failed, 0 skipped, 1 conflict.',
  );
  assert.match(applied.stderr, new RegExp(`^irsa apply: 1 conflict left untouched \\(first: role ${legacy}: `, 'm'));
  assert.match(
    applied.stdout,
    /Read back:\n {2}ok {2}s3:\/\/.*openid-configuration \(s3\)\n {2}ok {2}s3:\/\/.*jwks \(s3\)/,
  );
  await checkCreated(n, ws, e);
  assert.deepEqual((await roles(e)).get(legacy), legacyBefore);

  // Resolved the way the hint says: the file names a role of its own.
  ws.write(configText(n, { legacyRole: `legacy-irsa@${n.namespace}` }));
  const renamed = await irsaJson(['apply', '-f', ws.file, '--auto-approve'], e);
  assert.equal(renamed.code, 0, renamed.stdout + renamed.stderr);
  assert.deepEqual(renamed.json.data.summary, {
    added: 1,
    changed: 0,
    destroyed: 0,
    kept: 0,
    failed: 0,
    skipped: 0,
    conflicts: 0,
  });
  const noop = await irsaJson(['plan', '-f', ws.file], e);
  assert.equal(noop.code, 0, noop.stdout);
  assert.equal(noop.json.data.status, 'no-changes');
  assert.equal(noop.json.data.awsCalls.byAction['iam:GetAccountAuthorizationDetails'], 1);

  await driftRepaired(n, ws, e);
  await destroyOnlyOurs(n, ws, e, { legacy, legacyBefore });
});

/** A hand-widened trust policy (AWS CLI) is drift: plan 2 with the diff, apply puts it back, plan 0. */
async function driftRepaired(n: Names, ws: ReturnType<typeof workspace>, e: NodeJS.ProcessEnv) {
  const host = n.issuer.slice('https://'.length);
  const before = (await roles(e)).get(`app@${n.namespace}`);
  const widened = structuredClone(before.AssumeRolePolicyDocument);
  widened.Statement[0].Condition = { StringLike: { [`${host}:sub`]: 'system:serviceaccount:*' } };
  await aws(
    [
      'iam',
      'update-assume-role-policy',
      '--role-name',
      `app@${n.namespace}`,
      '--policy-document',
      JSON.stringify(widened),
    ],
    e,
  );
  const drift = await irsa(['plan', '-f', ws.file], e);
  assert.equal(drift.code, 2, drift.stdout + drift.stderr);
  assert.match(drift.stdout, new RegExp(`~ role app@${n.namespace}\\n\\s+~ trust policy:`));
  assert.match(drift.stdout, /- +"StringLike": \{/);
  assert.match(
    drift.stdout,
    new RegExp(`\\+ +"${host.replace(/[./]/g, '\\$&')}:sub": "system:serviceaccount:${n.namespace}:app"`),
  );
  assert.equal(lastLine(drift.stdout), 'Plan: 0 to add, 1 to change, 0 to destroy.');
  const repaired = await irsa(['apply', '-f', ws.file, '--auto-approve'], e);
  assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
  assert.equal(lastLine(repaired.stdout), 'Apply complete: 0 added, 1 changed, 0 destroyed.');
  assert.deepEqual(
    (await roles(e)).get(`app@${n.namespace}`).AssumeRolePolicyDocument,
    before.AssumeRolePolicyDocument,
  );
  assert.equal((await irsa(['plan', '-f', ws.file], e)).code, 0);
}

/** Others' statement and object in the bucket stay through plan and destroy; ours go; the untagged role stays. */
async function destroyOnlyOurs(
  n: Names,
  ws: ReturnType<typeof workspace>,
  e: NodeJS.ProcessEnv,
  o: { legacy: string; legacyBefore: Loose },
) {
  const theirs = {
    Sid: 'TheirReaders',
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::123456789012:root' },
    Action: 's3:GetObject',
    Resource: `arn:aws:s3:::${n.bucket}/reports/*`,
  };
  const policy = await bucketPolicy(n, e);
  policy.Statement.unshift(theirs);
  await aws(['s3api', 'put-bucket-policy', '--bucket', n.bucket, '--policy', JSON.stringify(policy)], e);
  const other = join(ws.dir, 'other.txt');
  writeFileSync(other, 'not irsa’s');
  await aws(['s3api', 'put-object', '--bucket', n.bucket, '--key', 'reports/q1.txt', '--body', other], e);
  assert.equal((await irsa(['plan', '-f', ws.file], e)).code, 0, 'others’ statement and object are not drift');

  const preview = await irsa(['plan', '-f', ws.file, '--destroy'], e);
  assert.equal(preview.code, 2);
  assert.equal(lastLine(preview.stdout), 'Plan: 0 to add, 0 to change, 6 to destroy.');
  const destroyed = await irsaJson(['destroy', '-f', ws.file, '--auto-approve'], e);
  assert.equal(destroyed.code, 0, JSON.stringify(destroyed.json));
  assert.equal(destroyed.json.data.status, 'complete');
  const kept = destroyed.json.data.outcomes.find((x: Loose) => x.resource === `s3://${n.bucket}`);
  assert.match(kept.notes.join(), /not deleted: it still holds objects that are not ours \(reports\/q1\.txt\)/);

  const [left, providers, keys, after] = await Promise.all([
    roles(e),
    aws(['iam', 'list-open-id-connect-providers'], e),
    objectKeys(n, e),
    bucketPolicy(n, e),
  ]);
  // Of this test's roles only the untagged one is left, exactly as it was.
  assert.deepEqual(
    [...left.keys()].filter((r) => r.endsWith(`@${n.namespace}`)),
    [o.legacy],
  );
  assert.deepEqual(left.get(o.legacy), o.legacyBefore);
  assert.ok(!providers.OpenIDConnectProviderList.some((p: Loose) => p.Arn === n.providerArn));
  assert.deepEqual(keys, ['reports/q1.txt']);
  assert.deepEqual(after.Statement, [theirs]);
  const again = await irsa(['destroy', '-f', ws.file, '--auto-approve'], e);
  assert.equal(again.code, 0);
  assert.equal(lastLine(again.stdout), 'Destroy complete: 0 destroyed, 0 changed, 1 kept (not empty).');
}

test('annotate: true — the ServiceAccount gets the role ARN through the cluster API after the role exists; destroy takes it out and keeps the rest', async (t) => {
  const n = names();
  const ws = workspace(t);
  const e = env(t);
  const kube = await startKubeApiServer();
  t.after(() => kube.close());
  const kubeconfig = kube.writeKubeconfig(ws.dir);
  kube.put('serviceaccounts', { metadata: { name: 'app', namespace: n.namespace, annotations: { team: 'reports' } } });
  ws.write(configText(n, { annotate: true }));
  const roleArn = `arn:aws:iam::123456789012:role/app@${n.namespace}`;

  const planned = await irsa(['plan', '-f', ws.file, '--kubeconfig', kubeconfig], e);
  assert.equal(planned.code, 2, planned.stderr);
  assert.match(
    planned.stdout,
    new RegExp(`~ serviceaccount ${n.cluster}/${n.namespace}/app \\(after role app@${n.namespace}\\)`),
  );
  const applied = await irsa(['apply', '-f', ws.file, '--kubeconfig', kubeconfig, '--auto-approve'], e);
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  assert.deepEqual(kube.get('serviceaccounts', n.namespace, 'app')?.metadata?.annotations, {
    team: 'reports',
    'eks.amazonaws.com/role-arn': roleArn,
  });
  assert.ok(
    kube.requests.some(
      (r) => r.method === 'PATCH' && r.path.endsWith(`/namespaces/${n.namespace}/serviceaccounts/app`),
    ),
  );
  assert.equal((await irsa(['plan', '-f', ws.file, '--kubeconfig', kubeconfig], e)).code, 0);

  const destroyed = await irsa(['destroy', '-f', ws.file, '--kubeconfig', kubeconfig, '--auto-approve'], e);
  assert.equal(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
  assert.deepEqual(kube.get('serviceaccounts', n.namespace, 'app')?.metadata?.annotations, { team: 'reports' });

  // A ServiceAccount that is not there is not created: a warning, and nothing to annotate.
  kube.remove('serviceaccounts', n.namespace, 'app');
  const missing = await irsaJson(['plan', '-f', ws.file, '--kubeconfig', kubeconfig], e);
  assert.ok(
    missing.json.warnings.includes(
      `ServiceAccount ${n.namespace}/app not found on cluster ${n.cluster}: not annotated`,
    ),
  );
  assert.ok(!missing.json.data.changes.some((c: Loose) => c.resource.startsWith('serviceaccount ')));
});

test('approval: refused without a terminal and with --output json unless --auto-approve; on a terminal only "yes" approves, with progress on one line', async (t) => {
  const n = names();
  const ws = workspace(t);
  const e = env(t);
  ws.write(configText(n));
  const bucketAbsent = async () =>
    assert.deepEqual(await awsOrCode(['s3api', 'head-bucket', '--bucket', n.bucket], e), { errorCode: '404' });

  const piped = await irsa(['apply', '-f', ws.file], e);
  assert.equal(piped.code, 1);
  assert.match(piped.stderr, /^irsa apply: --auto-approve is needed when the input is not a terminal/m);
  const json = await irsaJson(['destroy', '-f', ws.file], e);
  assert.equal(json.code, 1);
  assert.equal(json.json.error.code, 'ERR_USAGE');
  assert.match(json.json.error.message, /--output json needs --auto-approve/);
  await bucketAbsent();

  // A real terminal (util-linux `script` gives the command a pseudo-terminal and types the answer).
  const onTerminal = (answer: string) =>
    runProcess('script', ['-qec', `${process.execPath} ${CLI} apply -f ${ws.file}`, '/dev/null'], {
      env: e,
      input: `${answer}\n`,
      timeoutMs: 120_000,
    });
  const declined = await onTerminal('no');
  assert.equal(declined.code, 1, declined.stdout);
  assert.match(declined.stdout, /Only 'yes' will be accepted to approve\.[\s\S]*Enter a value: /);
  assert.match(declined.stdout, /irsa apply: Apply cancelled: only 'yes' approves, nothing was changed/);
  await bucketAbsent();
  const approved = await onTerminal('yes');
  assert.equal(approved.code, 0, approved.stdout);
  // The counts per plane, rewritten in place on one line.
  assert.match(approved.stdout, /\r\u001b\[2Kdocuments 3\/3 · provider 1\/1 · roles 1\/1/);
  assert.match(lastLine(approved.stdout), /^Apply complete: 5 added, 0 changed, 0 destroyed\.\r?$/);
  const gone = await irsa(['destroy', '-f', ws.file, '--auto-approve'], e);
  assert.equal(lastLine(gone.stdout), 'Destroy complete: 5 destroyed, 0 changed.');
  await bucketAbsent();
});

test('thumbprints: auto with the issuer host unreachable is a warning and leaves them to IAM, never an error; a directory not served yet is a warning after apply', async (t) => {
  const ws = workspace(t);
  const e = env(t);
  const u = unique();
  // A port nothing listens on: connections are refused at once.
  const issuer = `https://127.0.0.1:${await freePort()}/d${u}`;
  ws.write(`apiVersion: irsa-anywhere/v1
kind: Config
region: us-east-1
clusters:
  - name: d${u}
    issuer: ${issuer}
    keys: [keys/sa.pub]
    thumbprints: auto
    publish: {directory: public}
    serviceAccounts:
      - {namespace: t${u}, name: app}
`);
  const plan = await irsaJson(['plan', '-f', ws.file], e);
  assert.equal(plan.code, 2, JSON.stringify(plan.json));
  assert.ok(
    plan.json.warnings.some((w) =>
      new RegExp(
        `^cluster d${u}: thumbprints left as IAM has them \\(${issuer}/openid/v1/jwks could not be reached: `,
      ).test(w),
    ),
    plan.json.warnings.join('\n'),
  );
  const provider = plan.json.data.changes.find((c: Loose) => c.plane === 'provider');
  assert.ok(provider.details.includes('+ thumbprint (computed by IAM)'));
  assert.ok(!('ThumbprintList' in provider.operations[0].input));

  const applied = await irsa(['apply', '-f', ws.file, '--auto-approve'], e);
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  assert.match(
    applied.stderr,
    new RegExp(
      `warning: cluster d${u}: the discovery document is written, but ${issuer}/\\.well-known/openid-configuration does not serve it`,
    ),
  );
  assert.ok(existsSync(join(ws.dir, 'public/.well-known/openid-configuration')));
  assert.ok(existsSync(join(ws.dir, 'public/openid/v1/jwks')));
  assert.equal((await irsa(['plan', '-f', ws.file], e)).code, 0);
  assert.equal((await irsa(['destroy', '-f', ws.file, '--auto-approve'], e)).code, 0);
  assert.ok(!existsSync(join(ws.dir, 'public/openid')));
});
