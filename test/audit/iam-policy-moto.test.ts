// irsa iam policy: apply, destroy and audit run against moto with its IAM permission checks on
// (POST /moto-api/reset-auth) as a user holding exactly the generated policy, and fail when one action is taken out.
// moto checks actions only (a resource-scoped statement denies everything there, conditions are ignored), so the
// user's copy has every Resource widened to "*", and moto's own names for three S3 actions added beside AWS's
// (MOTO_NAMES); the resource scoping is checked by reading the document against the config's ARNs (allows()).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteUserPolicyCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { wildcardMatch } from '../../src/core/sts/wildcard.js';
import { aws, awsEnv, irsa, irsaJson, type Loose, type T, unique, workspace } from '../cli/provision-support.js';
import { type MotoServer, startMoto } from '../support/moto-server.js';
import { ACCOUNT } from './audit-support.js';

/** What moto calls three S3 actions (its ACTION_MAP), beside AWS's names for them. */
const MOTO_NAMES: Record<string, string[]> = {
  's3:ListBucket': ['s3:HeadBucket'],
  's3:GetBucketPublicAccessBlock': ['s3:GetPublicAccessBlock'],
  's3:PutBucketPublicAccessBlock': ['s3:PutPublicAccessBlock'],
  's3:GetAccountPublicAccessBlock': ['s3:GetPublicAccessBlock'],
};

interface Keys {
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
}

let moto: MotoServer;
let admin: IAMClient;
let adminKeys: Keys;
let deployerKeys: Keys;

before(async () => {
  moto = await startMoto();
  // Auth is off until reset-auth: the root keys make an administrator and the deployer, then checks go on.
  const root = new IAMClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  adminKeys = await userWithKeys(root, 'irsa-admin', { Effect: 'Allow', Action: '*', Resource: '*' });
  deployerKeys = await userWithKeys(root, 'irsa-deployer');
  root.destroy();
  // moto 5.2.1 reads the body as a bare number (float(body)): `{"value": 0}` answers 500.
  const res = await fetch(`${moto.endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
  assert.equal(res.status, 200, await res.text());
  admin = new IAMClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: adminKeys.AWS_ACCESS_KEY_ID, secretAccessKey: adminKeys.AWS_SECRET_ACCESS_KEY },
  });
});
after(async () => {
  admin?.destroy();
  await moto?.stop();
});

async function userWithKeys(iam: IAMClient, name: string, statement?: unknown): Promise<Keys> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  if (statement) {
    const PolicyDocument = JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'all', PolicyDocument }));
  }
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  return { AWS_ACCESS_KEY_ID: key?.AccessKeyId ?? '', AWS_SECRET_ACCESS_KEY: key?.SecretAccessKey ?? '' };
}

/** The deployer's only policy: the generated document with moto's names added, every Resource "*", minus `drop`. */
async function holdExactly(document: Loose, drop?: string): Promise<void> {
  const Statement = document.Statement.map((s: Loose) => {
    const { Condition: _moto_ignores_conditions, ...rest } = s;
    const actions = (s.Action as string[]).filter((a) => a !== drop);
    const withMoto = actions.flatMap((a) => [a, ...(a === drop ? [] : (MOTO_NAMES[a] ?? []))]);
    return { ...rest, Action: [...new Set(withMoto)], Resource: '*' };
  }).filter((s: Loose) => s.Action.length > 0);
  await admin
    .send(new DeleteUserPolicyCommand({ UserName: 'irsa-deployer', PolicyName: 'irsa' }))
    .catch(() => undefined);
  const PolicyDocument = JSON.stringify({ Version: '2012-10-17', Statement });
  await admin.send(new PutUserPolicyCommand({ UserName: 'irsa-deployer', PolicyName: 'irsa', PolicyDocument }));
}

function config(u: string): { text: string; bucket: string; cluster: string; issuer: string; namespace: string } {
  const cluster = `c${u}`;
  const bucket = `irsa-${u}`;
  const issuer = `https://${bucket}.s3.us-east-1.amazonaws.com/${cluster}`;
  const namespace = `t${u}`;
  const text = `apiVersion: irsa-anywhere/v1
kind: Config
region: us-east-1
clusters:
  - name: ${cluster}
    issuer: ${issuer}
    keys: [keys/sa.pub]
    thumbprints: []
    publish:
      s3: {bucket: ${bucket}, prefix: ${cluster}, create: true}
    serviceAccounts:
      - namespace: ${namespace}
        name: app
        path: /irsa/
        policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
        inlinePolicies:
          read: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::reports/*"}]}
`;
  return { text, bucket, cluster, issuer, namespace };
}

/** Whether the identity policy allows `action` on `resource` (Allow statements, IAM wildcards; conditions listed). */
function allows(document: Loose, action: string, resource: string): false | { condition?: unknown } {
  for (const s of document.Statement) {
    const resources = [s.Resource].flat() as string[];
    if (!(s.Action as string[]).some((a) => wildcardMatch(a, action, true))) continue;
    if (!resources.some((r) => wildcardMatch(r, resource))) continue;
    return s.Condition ? { condition: s.Condition } : {};
  }
  return false;
}

/** The IAM action each API call needs, where the two names differ (sts:GetCallerIdentity needs none). */
const IAM_ACTION: Record<string, string | null> = {
  's3:HeadBucket': 's3:ListBucket',
  's3:ListObjectsV2': 's3:ListBucket',
  's3:GetPublicAccessBlock': 's3:GetBucketPublicAccessBlock',
  's3:PutPublicAccessBlock': 's3:PutBucketPublicAccessBlock',
  's3control:GetPublicAccessBlock': 's3:GetAccountPublicAccessBlock',
  'sts:GetCallerIdentity': null,
};

/**
 * Every call a run made (its callsByAction keys) is an action the document grants, by AWS's name for it; but the
 * account-wide read, tried first and refused on purpose without --bulk-read (the readers then go per role).
 */
function coveredBy(document: Loose, calls: string[]): void {
  const granted = new Set(document.Statement.flatMap((s: Loose) => s.Action));
  for (const call of calls.filter((c) => c !== 'iam:GetAccountAuthorizationDetails')) {
    const action = call in IAM_ACTION ? IAM_ACTION[call] : call;
    if (action !== null) assert.ok(granted.has(action), `${call} (${action}) is not in the policy`);
  }
}

const asUser = (t: T, keys: Keys) => ({ ...awsEnv(t, { AWS_ENDPOINT_URL: moto.endpoint }), ...keys });

// Reproduction: `AWS_ENDPOINT_URL=http://127.0.0.1:1 irsa iam policy -f irsa.yaml` said "connection refused" and
// then "hint: check the AWS credentials": the credentials were never tried.
test('STS not reached: one line saying so, and a hint about reaching STS, not about credentials', async (t) => {
  const ws = workspace(t);
  ws.write(`apiVersion: irsa-anywhere/v1
kind: Config
region: us-east-1
clusters:
  - name: c1
    issuer: https://oidc.example.com/c1
    keys: [keys/sa.pub]
    publish: {directory: ./public}
`);
  const r = await irsaJson(['iam', 'policy', '-f', ws.file], awsEnv(t, { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' }));
  assert.equal(r.code, 1);
  assert.equal(r.json.error.message, 'STS GetCallerIdentity: connection refused (127.0.0.1:9)');
  assert.match(r.json.error.hint, /^check that STS can be reached/);
  assert.equal(r.stderr.trim().split('\n').length, 2, r.stderr);
});

test('the generated policy names the config ARNs and nothing wider, except what IAM cannot scope (said plainly)', async (t) => {
  const ws = workspace(t);
  const c = config(unique());
  ws.write(c.text);
  const r = await irsaJson(['iam', 'policy', '-f', ws.file, '--account-id', ACCOUNT], asUser(t, adminKeys));
  assert.equal(r.code, 0, r.stderr);
  const doc = r.json.data.document;
  const role = `arn:aws:iam::${ACCOUNT}:role/irsa/app@${c.namespace}`;
  const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/${c.issuer.slice('https://'.length)}`;
  const object = `arn:aws:s3:::${c.bucket}/${c.cluster}/.well-known/openid-configuration`;
  assert.deepEqual(allows(doc, 'iam:CreateRole', role), {});
  assert.equal(allows(doc, 'iam:CreateRole', `arn:aws:iam::${ACCOUNT}:role/app@${c.namespace}`), false, 'path kept');
  assert.equal(allows(doc, 'iam:CreateRole', `arn:aws:iam::${ACCOUNT}:role/irsa/other`), false);
  assert.equal(allows(doc, 'iam:AttachRolePolicy', `arn:aws:iam::${ACCOUNT}:role/admin`), false);
  assert.deepEqual(allows(doc, 'iam:CreateOpenIDConnectProvider', provider), {});
  assert.equal(
    allows(doc, 'iam:DeleteOpenIDConnectProvider', `arn:aws:iam::${ACCOUNT}:oidc-provider/other.example`),
    false,
  );
  assert.deepEqual(allows(doc, 's3:PutObject', object), {});
  assert.equal(allows(doc, 's3:PutObject', `arn:aws:s3:::${c.bucket}/other-key`), false);
  // The rotation state beside the documents: apply reads it, destroy deletes it.
  const rotationState = `arn:aws:s3:::${c.bucket}/${c.cluster}/irsa-anywhere-rotation.json`;
  assert.deepEqual(allows(doc, 's3:GetObject', rotationState), {});
  assert.deepEqual(allows(doc, 's3:DeleteObject', rotationState), {});
  assert.equal(allows(doc, 's3:DeleteBucket', 'arn:aws:s3:::someone-elses'), false);
  // Roles the file stopped naming are deleted only when tagged as ours for its cluster.
  assert.deepEqual(allows(doc, 'iam:DeleteRole', `arn:aws:iam::${ACCOUNT}:role/anything`), {
    condition: {
      StringEquals: {
        'aws:ResourceTag/irsa-anywhere/managed-by': 'irsa-anywhere',
        'aws:ResourceTag/irsa-anywhere/cluster': c.cluster,
      },
    },
  });
  // Resource "*" only for what IAM cannot scope, each said with why.
  const wide = doc.Statement.filter((s: Loose) => s.Resource === '*').flatMap((s: Loose) => s.Action);
  assert.deepEqual(wide.sort(), ['iam:ListOpenIDConnectProviders', 'iam:ListRoles', 's3:GetAccountPublicAccessBlock']);
  assert.deepEqual(r.json.data.unscoped.map((u: Loose) => u.action).sort(), wide.sort());
  const bulk = await irsaJson(
    ['iam', 'policy', '-f', ws.file, '--account-id', ACCOUNT, '--bulk-read'],
    asUser(t, adminKeys),
  );
  assert.ok(
    bulk.json.data.document.Statement.some((s: Loose) => s.Action.includes('iam:GetAccountAuthorizationDetails')),
  );
  assert.equal(allows(bulk.json.data.document, 'iam:ListRoleTags', `arn:aws:iam::${ACCOUNT}:role/x`), false);
  const text = await irsa(
    ['iam', 'policy', '-f', ws.file, '--account-id', ACCOUNT, '--for', 'audit'],
    asUser(t, adminKeys),
  );
  assert.match(text.stderr, /note: iam:ListRoles takes Resource "\*": /);
  assert.deepEqual(
    JSON.parse(text.stdout).Statement.map((s: Loose) => s.Sid),
    ['IrsaAccountWide', 'IrsaEveryOidcProvider'],
  );
});

test('apply, audit and destroy succeed under exactly the generated policy (checks on) and fail without one action', async (t) => {
  const ws = workspace(t);
  const c = config(unique());
  ws.write(c.text);
  const user = asUser(t, deployerKeys);
  const generated = await irsaJson(['iam', 'policy', '-f', ws.file], user);
  assert.equal(generated.code, 0, generated.stderr);
  const doc = generated.json.data.document;
  // Before the policy: the deployer may do nothing (the checks are on).
  const denied = await irsa(['audit'], user);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /ListRoles|ListOpenIDConnectProviders/);

  await holdExactly(doc);
  const applied = await irsaJson(['apply', '-f', ws.file, '--auto-approve'], user);
  assert.equal(applied.code, 0, `${applied.stdout}\n${applied.stderr}`);
  // Nothing was refused and quietly worked around, but the account-wide read this policy leaves out on purpose.
  assert.deepEqual(applied.json.warnings, [
    'GetAccountAuthorizationDetails was refused (it needs iam:GetAccountAuthorizationDetails on "*"): roles were read one by one',
  ]);
  const role = await aws(['iam', 'get-role', '--role-name', `app@${c.namespace}`], asUser(t, adminKeys));
  assert.equal(role.Role.Path, '/irsa/');
  const audited = await irsaJson(['audit'], user);
  assert.equal(audited.code, 0, audited.stderr);
  coveredBy(doc, Object.keys(applied.json.data.awsCalls.byAction));
  coveredBy(doc, Object.keys(audited.json.data.callsByAction));
  assert.deepEqual(audited.json.data.counts, { high: 0, medium: 0, low: 0 });

  await holdExactly(doc, 'iam:ListRoles');
  const noList = await irsa(['audit'], user);
  assert.equal(noList.code, 1);
  assert.match(noList.stderr, /ListRoles/);

  await holdExactly(doc, 'iam:DeleteRole');
  const noDelete = await irsa(['destroy', '-f', ws.file, '--auto-approve'], user);
  assert.equal(noDelete.code, 1, noDelete.stdout);
  assert.match(`${noDelete.stdout}${noDelete.stderr}`, /DeleteRole/);

  await holdExactly(doc);
  const destroyed = await irsaJson(['destroy', '-f', ws.file, '--auto-approve'], user);
  assert.equal(destroyed.code, 0, `${destroyed.stdout}\n${destroyed.stderr}`);
  coveredBy(doc, Object.keys(destroyed.json.data.awsCalls.byAction));

  // --bulk-read: the account-wide read instead of per-role reads; nothing refused.
  const bulk = await irsaJson(['iam', 'policy', '-f', ws.file, '--bulk-read'], user);
  await holdExactly(bulk.json.data.document);
  const bulkApplied = await irsaJson(['apply', '-f', ws.file, '--auto-approve'], user);
  assert.equal(bulkApplied.code, 0, bulkApplied.stderr);
  assert.deepEqual(bulkApplied.json.warnings, []);
  assert.equal(bulkApplied.json.data.awsCalls.byAction['iam:GetRole'], undefined, 'no per-role read');
  coveredBy(bulk.json.data.document, Object.keys(bulkApplied.json.data.awsCalls.byAction));
  const bulkDestroyed = await irsaJson(['destroy', '-f', ws.file, '--auto-approve'], user);
  assert.equal(bulkDestroyed.code, 0, bulkDestroyed.stderr);
  assert.deepEqual(bulkDestroyed.json.warnings, []);

  await holdExactly(doc, 'iam:CreateRole');
  const noCreate = await irsa(['apply', '-f', ws.file, '--auto-approve'], user);
  assert.equal(noCreate.code, 1, noCreate.stdout);
  assert.match(`${noCreate.stdout}${noCreate.stderr}`, /CreateRole/);
});
