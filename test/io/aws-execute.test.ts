// The plan executor against a real moto_server, with a fault proxy in front where AWS's own failures are needed:
// planes in order, state read back after writes, throttling and IAM propagation retried, one failure isolated,
// dependants skipped, creates and deletes safe to run again, a bucket kept while it holds others' objects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateRoleCommand, GetRoleCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Change, StateQuery } from '../../src/core/provision/types.js';
import { AwsCaller } from '../../src/io/aws/aws-call.js';
import { executePlan, incompleteError, type PlaneProgress } from '../../src/io/aws/execute-plan.js';
import { readCurrentState } from '../../src/io/aws/read-state.js';
import { iamError, startFaultProxy } from '../support/fault-proxy.js';
import { startMoto } from '../support/moto-server.js';
import {
  applyPlan,
  type ClusterSpec,
  destroyPlan,
  ourTags,
  providerCreate,
  READ_ONLY,
  roleCreate,
  testAws,
} from './aws-support.js';

const ACCOUNT = '123456789012';
const spec = (cluster: string, serviceAccounts: string[], extra: Partial<ClusterSpec> = {}): ClusterSpec => ({
  cluster,
  issuer: `https://oidc.example.com/${cluster}`,
  account: ACCOUNT,
  serviceAccounts,
  policies: [READ_ONLY],
  ...extra,
});

const query = (s: ClusterSpec): StateQuery => ({
  providerUrls: [s.issuer],
  roleNames: s.serviceAccounts.map((sa) => `${sa}@default`),
  clusters: [s.cluster],
  buckets: [],
  files: [],
  accountPublicAccessBlock: false,
});

test('apply then destroy: planes in order, read back after writes, progress counted, a second destroy is a no-op', async (t) => {
  const moto = await startMoto();
  t.after(() => moto.stop());
  const { caller } = await testAws(t, moto.endpoint);
  const s = spec('prod', ['a', 'b', 'c'], {
    inline: { s3: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}' },
  });
  const progress: PlaneProgress[] = [];
  const applied = await executePlan(
    applyPlan(s),
    { caller },
    { direction: 'apply', onProgress: (p) => progress.push(p) },
  );
  assert.ok(applied.ok);
  assert.deepEqual(
    applied.outcomes.map((o) => o.change.plane),
    ['provider', 'roles', 'roles', 'roles'],
  );
  assert.equal(applied.awsCalls, 1 + 3 * 3);
  assert.deepEqual(progress[0], { plane: 'provider', total: 1, done: 0, failed: 0, skipped: 0 });
  assert.deepEqual(progress.at(-1), { plane: 'roles', total: 3, done: 3, failed: 0, skipped: 0 });

  const state = await readCurrentState(query(s), new AwsCaller(caller.clients));
  assert.equal(state.providers.size, 1);
  assert.deepEqual([...state.roles.keys()].sort(), ['a@default', 'b@default', 'c@default']);
  assert.deepEqual(Object.keys(state.roles.get('b@default')?.inlinePolicies ?? {}), ['s3']);

  const destroyed = await executePlan(destroyPlan(s), { caller }, { direction: 'destroy' });
  assert.ok(destroyed.ok, JSON.stringify(destroyed.outcomes.filter((o) => o.status !== 'done')));
  assert.deepEqual(
    destroyed.outcomes.map((o) => o.change.plane),
    ['roles', 'roles', 'roles', 'provider'],
  );
  const after = await readCurrentState(query(s), new AwsCaller(caller.clients));
  assert.equal(after.providers.size, 0);
  assert.equal(after.roles.size, 0);
  // Everything already gone: NoSuchEntity on detach, delete policy and delete role counts as done.
  const again = await executePlan(destroyPlan(s), { caller }, { direction: 'destroy' });
  assert.ok(again.ok);
  assert.ok(again.outcomes.some((o) => o.notes.some((n) => /already gone/.test(n))));
});

test('throttling (IAM Throttling 400, S3 SlowDown 503) is retried with growing waits, and every attempt counted', async (t) => {
  const moto = await startMoto();
  t.after(() => moto.stop());
  const proxy = await startFaultProxy(moto.endpoint);
  t.after(() => proxy.close());
  const { caller, waits } = await testAws(t, proxy.endpoint);
  proxy.throttle((c) => c.action === 'CreateRole', 3);
  proxy.throttle((c) => c.service === 's3' && c.action.startsWith('PUT'), 2);
  const s = spec('prod', ['a']);
  const documents: Change = {
    plane: 'documents',
    kind: 'create',
    cluster: 'prod',
    resource: 's3://bkt/prod/.well-known/openid-configuration',
    details: [],
    operations: [
      { service: 's3', action: 'CreateBucket', input: { Bucket: 'bkt' } },
      {
        service: 's3',
        action: 'PutObject',
        input: {
          Bucket: 'bkt',
          Key: 'prod/.well-known/openid-configuration',
          Body: '{}',
          ContentType: 'application/json',
        },
      },
    ],
  };
  const result = await executePlan(
    { changes: [documents, ...applyPlan(s).changes] },
    { caller },
    { direction: 'apply' },
  );
  assert.ok(result.ok, JSON.stringify(result.outcomes.filter((o) => o.status !== 'done')));
  assert.equal(proxy.calls.filter((c) => c.action === 'CreateRole').length, 4);
  assert.equal(proxy.calls.filter((c) => c.service === 's3' && c.action.startsWith('PUT')).length, 4);
  assert.equal(result.awsCalls, proxy.calls.length);
  // Full jitter at 0.5 of a ceiling doubling from 200 ms: 100, 200, 400 for the three throttled CreateRole, 100 and
  // 200 for the two throttled PUTs.
  assert.deepEqual(
    waits.filter((w) => w >= 100).sort((a, b) => a - b),
    [100, 100, 200, 200, 400],
  );
});

test('"Invalid principal in policy" right after the provider is created is waited out; other policy errors are not', async (t) => {
  const moto = await startMoto();
  t.after(() => moto.stop());
  const proxy = await startFaultProxy(moto.endpoint);
  t.after(() => proxy.close());
  const { caller, waits } = await testAws(t, proxy.endpoint);
  const invalidPrincipal = () =>
    iamError(
      'MalformedPolicyDocument',
      'Invalid principal in policy: "FEDERATED":"arn:aws:iam::123456789012:oidc-provider/x"',
    );
  proxy.fail((c) => c.action === 'CreateRole' && c.body.includes('RoleName=a%40default'), 4, invalidPrincipal);
  proxy.fail(
    (c) => c.action === 'CreateRole' && c.body.includes('RoleName=b%40default'),
    1,
    () => iamError('MalformedPolicyDocument', 'Syntax errors in policy.'),
  );
  const result = await executePlan(applyPlan(spec('prod', ['a', 'b'])), { caller }, { direction: 'apply' });
  const byName = Object.fromEntries(result.outcomes.map((o) => [o.change.resource, o]));
  assert.equal(byName['role a@default'].status, 'done');
  assert.equal(
    proxy.calls.filter((c) => c.body.includes('RoleName=a%40default') && c.action === 'CreateRole').length,
    5,
  );
  // The propagation budget starts at a second: waits of 500, 1000, 2000, 4000 ms (half of each ceiling).
  assert.deepEqual(
    waits.filter((w) => w >= 500),
    [500, 1000, 2000, 4000],
  );
  assert.equal(byName['role b@default'].status, 'failed');
  assert.match(
    byName['role b@default'].error?.message ?? '',
    /^IAM CreateRole b@default: MalformedPolicyDocument: Syntax errors/,
  );
  const err = incompleteError(result);
  assert.equal(err?.code, 'ERR_APPLY_INCOMPLETE');
  assert.match(err?.message ?? '', /^1 change\(s\) failed and 0 were skipped; the other 2 were made/);
});

test('a failure stays with its change; what depends on it is skipped with the reason, the rest is done', async (t) => {
  const moto = await startMoto();
  t.after(() => moto.stop());
  const proxy = await startFaultProxy(moto.endpoint);
  t.after(() => proxy.close());
  const { caller } = await testAws(t, proxy.endpoint);
  const prod = spec('prod', ['a', 'b']);
  const dev = spec('dev', ['c']);
  proxy.fail(
    (c) => c.action === 'CreateOpenIDConnectProvider' && c.body.includes('dev'),
    1,
    () => iamError('LimitExceeded', 'Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100', 409),
  );
  proxy.fail(
    (c) => c.action === 'AttachRolePolicy' && c.body.includes('RoleName=b%40default'),
    1,
    () => iamError('LimitExceeded', 'Cannot exceed quota for PoliciesPerRole: 10', 409),
  );
  // A role of prod that is also trusted by dev's provider: skipped too.
  const shared = roleCreate(prod, 'shared');
  const input = shared.operations[0].input as Record<string, unknown>;
  const trust = JSON.parse(input.AssumeRolePolicyDocument as string);
  trust.Statement.push({
    ...trust.Statement[0],
    Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.example.com/dev` },
  });
  input.AssumeRolePolicyDocument = JSON.stringify(trust);
  const plan = { changes: [...applyPlan(prod).changes, ...applyPlan(dev).changes, shared] };
  const result = await executePlan(plan, { caller }, { direction: 'apply' });
  const status = Object.fromEntries(result.outcomes.map((o) => [o.change.resource, o.status]));
  assert.deepEqual(status, {
    'provider https://oidc.example.com/prod': 'done',
    'provider https://oidc.example.com/dev': 'failed',
    'role a@default': 'done',
    'role b@default': 'failed',
    'role c@default': 'skipped',
    'role shared@default': 'skipped',
  });
  const skipped = result.outcomes.find((o) => o.change.resource === 'role c@default');
  assert.equal(
    skipped?.error?.message,
    'skipped: it depends on provider https://oidc.example.com/dev, which did not succeed',
  );
  const b = result.outcomes.find((o) => o.change.resource === 'role b@default');
  assert.match(b?.error?.message ?? '', /^IAM AttachRolePolicy b@default: LimitExceeded: Cannot exceed quota/);
  // The role itself was created before the attach failed: a re-run picks up from there.
  await caller.clients.iam.send(new GetRoleCommand({ RoleName: 'b@default' }));
  assert.match(
    incompleteError(result)?.message ?? '',
    /^2 change\(s\) failed and 2 were skipped; the other 2 were made/,
  );
});

test('a create that finds its resource: ours (tagged by the create) is kept, anyone else’s is left alone and reported', async (t) => {
  const moto = await startMoto();
  t.after(() => moto.stop());
  const { caller, clients } = await testAws(t, moto.endpoint);
  const s = spec('prod', ['mine', 'theirs']);
  await clients.iam.send(
    new CreateRoleCommand({ RoleName: 'mine@default', AssumeRolePolicyDocument: '{}', Tags: ourTags('prod') }),
  );
  await clients.iam.send(new CreateRoleCommand({ RoleName: 'theirs@default', AssumeRolePolicyDocument: '{}' }));
  const result = await executePlan(applyPlan(s), { caller }, { direction: 'apply' });
  const mine = result.outcomes.find((o) => o.change.resource === 'role mine@default');
  assert.equal(mine?.status, 'done');
  assert.deepEqual(mine?.notes, ['CreateRole: already existed with our tags (an earlier run was interrupted): kept']);
  const theirs = result.outcomes.find((o) => o.change.resource === 'role theirs@default');
  assert.equal(theirs?.status, 'failed');
  assert.match(theirs?.error?.message ?? '', /^IAM CreateRole theirs@default: EntityAlreadyExists/);
  assert.match(theirs?.error?.hint ?? '', /not tagged as managed by irsa-anywhere/);
  const role = await clients.iam.send(new GetRoleCommand({ RoleName: 'theirs@default' }));
  assert.equal(role.Role?.AssumeRolePolicyDocument && decodeURIComponent(role.Role.AssumeRolePolicyDocument), '{}');
});

test('moto lacks AddClientIDToOpenIDConnectProvider: the failure says so instead of hiding it', async (t) => {
  const moto = await startMoto();
  t.after(() => moto.stop());
  const { caller } = await testAws(t, moto.endpoint);
  const s = spec('prod', []);
  assert.ok((await executePlan(applyPlan(s), { caller }, { direction: 'apply' })).ok);
  const add: Change = {
    ...providerCreate(s),
    kind: 'update',
    operations: [
      {
        service: 'iam',
        action: 'AddClientIDToOpenIDConnectProvider',
        input: {
          OpenIDConnectProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.example.com/prod`,
          ClientID: 'x',
        },
      },
    ],
  };
  const before = caller.calls;
  const result = await executePlan({ changes: [add] }, { caller }, { direction: 'apply' });
  assert.equal(result.outcomes[0].status, 'failed');
  assert.equal(caller.calls - before, 1, 'an answer that is not AWS’s is not retried');
  assert.match(
    result.outcomes[0].error?.message ?? '',
    /^IAM AddClientIDToOpenIDConnectProvider arn:aws:iam::123456789012:oidc-provider\/oidc\.example\.com\/prod: HTTP 500 with an answer that is not AWS's \(this endpoint may not implement AddClientIDToOpenIDConnectProvider\)$/,
  );
});

test('a bucket is deleted only when empty: one holding others’ objects is kept, with the reason', async (t) => {
  const moto = await startMoto();
  t.after(() => moto.stop());
  const { caller, clients } = await testAws(t, moto.endpoint);
  await clients.s3.send(new CreateBucketCommand({ Bucket: 'full' }));
  await clients.s3.send(new PutObjectCommand({ Bucket: 'full', Key: 'someone-else.txt', Body: 'x' }));
  await clients.s3.send(new CreateBucketCommand({ Bucket: 'empty' }));
  const del = (Bucket: string): Change => ({
    plane: 'documents',
    kind: 'delete',
    cluster: 'prod',
    resource: `s3://${Bucket}`,
    details: [],
    operations: [{ service: 's3', action: 'DeleteBucket', input: { Bucket } }],
  });
  const result = await executePlan(
    { changes: [del('full'), del('empty'), del('never-existed')] },
    { caller },
    { direction: 'destroy' },
  );
  assert.ok(result.ok);
  assert.deepEqual(
    result.outcomes.map((o) => o.notes),
    [
      ['DeleteBucket: bucket full not deleted: it still holds objects that are not ours (someone-else.txt)'],
      [],
      ['DeleteBucket: already gone'],
    ],
  );
  await clients.s3.send(new HeadBucketCommand({ Bucket: 'full' }));
  await assert.rejects(clients.s3.send(new HeadBucketCommand({ Bucket: 'empty' })));
});

test('killed at any call and run again: converges, nothing duplicated or orphaned', async (t) => {
  const moto = await startMoto();
  t.after(() => moto.stop());
  const proxy = await startFaultProxy(moto.endpoint);
  t.after(() => proxy.close());
  const { caller } = await testAws(t, proxy.endpoint);
  // Each run its own names in one moto (a reset reloads 1,485 managed policies): `-<run>` after every name.
  const planFor = (run: string) => {
    const s = spec(`prod-${run}`, [`a-${run}`, `b-${run}`]);
    const bucket = `bkt-${run}`;
    const documents: Change = {
      plane: 'documents',
      kind: 'create',
      cluster: s.cluster,
      resource: `s3://${bucket}/prod`,
      details: [],
      operations: [
        { service: 's3', action: 'CreateBucket', input: { Bucket: bucket } },
        {
          service: 's3',
          action: 'PutBucketTagging',
          input: { Bucket: bucket, Tagging: { TagSet: ourTags(s.cluster) } },
        },
        { service: 's3', action: 'PutObject', input: { Bucket: bucket, Key: 'prod/x', Body: '{}' } },
      ],
    };
    return { s, bucket, plan: { changes: [documents, ...applyPlan(s).changes] } };
  };
  const clean = planFor('clean');
  const first = await executePlan(clean.plan, { caller }, { direction: 'apply' });
  assert.ok(first.ok);
  const expected = await readState(caller, clean.s, clean.bucket, 'clean');
  for (const reached of [false, true]) {
    for (let k = 1; k <= first.awsCalls; k++) {
      const run = `${k}${reached ? 'r' : 'd'}`;
      const { s, bucket, plan } = planFor(run);
      proxy.killAt(k, { reached });
      const killed = await executePlan(plan, { caller }, { direction: 'apply' });
      assert.ok(!killed.ok, `killed at call ${k}`);
      proxy.revive();
      const rerun = await executePlan(plan, { caller }, { direction: 'apply' });
      const failures = rerun.outcomes.filter((o) => o.status !== 'done').map((o) => o.error?.message);
      assert.ok(rerun.ok, `rerun after kill at ${k} (reached ${reached}): ${failures.join('; ')}`);
      assert.deepEqual(await readState(caller, s, bucket, run), expected, `kill at ${k} (reached ${reached})`);
    }
  }
});

/** What a run left in the account, its run name replaced, so runs compare; duplicates would show in the counts. */
async function readState(caller: AwsCaller, s: ClusterSpec, bucket: string, run: string): Promise<unknown> {
  const state = await readCurrentState(
    { ...query(s), buckets: [{ name: bucket, keys: ['prod/x'] }] },
    new AwsCaller(caller.clients),
  );
  const roles = (await caller.clients.iam.send(new ListRolesCommand({ MaxItems: 1000 }))).Roles ?? [];
  const objects = (await caller.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [];
  const found = {
    providers: [...state.providers.values()],
    roles: [...state.roles.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
    rolesOfRun: roles.filter((r) => r.RoleName?.endsWith(`-${run}@default`)).length,
    buckets: [...state.buckets.values()],
    documents: [...state.documents.values()],
    objects: objects.map((o) => o.Key),
  };
  return JSON.parse(JSON.stringify(found).replaceAll(`-${run}`, '-RUN'));
}

test('dependsOn within a plane: a change starts after the ones it names (even listed before them) and is skipped when one failed', async () => {
  const log: string[] = [];
  const annotate = async (input: { name: string }) => {
    log.push(`${input.name} start`);
    // Ends after every microtask queued so far: a change started without waiting would log before this.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (input.name === 'bad') throw new Error('refused');
    log.push(`${input.name} end`);
  };
  const kube = (name: string, dependsOn?: string[]): Change => ({
    plane: 'roles',
    kind: 'update',
    cluster: 'prod',
    resource: `sa ${name}`,
    details: [],
    operations: [
      {
        service: 'kube',
        action: 'AnnotateServiceAccount',
        input: { cluster: 'prod', namespace: 'default', name, annotations: { a: 'b' } },
      },
    ],
    ...(dependsOn ? { dependsOn } : {}),
  });
  const plan = {
    changes: [kube('after', ['sa first']), kube('first'), kube('free'), kube('late', ['sa bad']), kube('bad')],
  };
  const result = await executePlan(plan, { annotate }, { direction: 'apply' });
  assert.ok(log.indexOf('after start') > log.indexOf('first end'), log.join(', '));
  assert.ok(log.indexOf('free start') < log.indexOf('first end'), 'changes without dependsOn run side by side');
  const status = Object.fromEntries(result.outcomes.map((o) => [o.change.resource, o.status]));
  assert.deepEqual(status, {
    'sa first': 'done',
    'sa after': 'done',
    'sa free': 'done',
    'sa bad': 'failed',
    'sa late': 'skipped',
  });
  assert.ok(!log.includes('late start'));
  const late = result.outcomes.find((o) => o.change.resource === 'sa late');
  assert.match(late?.error?.message ?? '', /depends on sa bad, which did not succeed/);
});
