// The readers against a real moto_server: what apply wrote is read back whole (providers with tags; roles with
// trust, policies, tags, description; buckets, objects and public-access blocks), a no-op read of 200 roles costs a
// handful of calls, and the per-role fallback takes over when GetAccountAuthorizationDetails is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateRoleCommand, TagRoleCommand } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { oidcProviderArn } from '../../src/core/aws/arn.js';
import { CLUSTER_TAG, MANAGED_BY_TAG, type StateQuery } from '../../src/core/provision/types.js';
import { AwsCaller } from '../../src/io/aws/aws-call.js';
import { createAwsClients } from '../../src/io/aws/clients.js';
import { executePlan } from '../../src/io/aws/execute-plan.js';
import { readCurrentState } from '../../src/io/aws/read-state.js';
import { iamError, startFaultProxy } from '../support/fault-proxy.js';
import { freePort, startMoto } from '../support/moto-server.js';
import { applyPlan, type ClusterSpec, ourTags, READ_ONLY, testAws, trustFor } from './aws-support.js';

const ACCOUNT = '123456789012';
const ISSUER = 'https://oidc.example.com/prod';

function query(over: Partial<StateQuery> = {}): StateQuery {
  return {
    providerUrls: [ISSUER],
    roleNames: [],
    clusters: ['prod'],
    buckets: [],
    files: [],
    accountPublicAccessBlock: false,
    ...over,
  };
}

test('a no-op read of 200 roles: everything apply wrote, in a handful of calls', async (t) => {
  const moto = await startMoto();
  t.after(() => moto.stop());
  const { caller, clients } = await testAws(t, moto.endpoint);
  const names = Array.from({ length: 200 }, (_, i) => `sa-${String(i).padStart(3, '0')}`);
  const spec: ClusterSpec = {
    cluster: 'prod',
    issuer: ISSUER,
    account: ACCOUNT,
    serviceAccounts: names,
    policies: [READ_ONLY],
    thumbprints: ['A'.repeat(40)],
  };
  const applied = await executePlan(applyPlan(spec), { caller }, { direction: 'apply' });
  assert.ok(applied.ok, JSON.stringify(applied.outcomes.find((o) => o.status !== 'done')));
  // Someone else's role (untagged) and one of ours no longer named in the config.
  await clients.iam.send(new CreateRoleCommand({ RoleName: 'not-ours', AssumeRolePolicyDocument: '{}' }));
  await clients.iam.send(new TagRoleCommand({ RoleName: 'sa-199@default', Tags: ourTags('prod') }));

  const fresh = new AwsCaller(clients);
  const roleNames = names.slice(0, 199).map((n) => `${n}@default`);
  const state = await readCurrentState(query({ roleNames }), fresh);

  assert.equal(state.roleReadMode, 'account-details');
  assert.equal(state.account?.id, ACCOUNT);
  assert.equal(state.account?.partition, 'aws');
  const provider = state.providers.get(ISSUER);
  assert.equal(provider?.arn, oidcProviderArn('aws', ACCOUNT, ISSUER));
  assert.deepEqual(provider?.clientIds, ['sts.amazonaws.com']);
  assert.deepEqual(provider?.thumbprints, ['A'.repeat(40)]);
  assert.equal(provider?.tags[CLUSTER_TAG], 'prod');
  assert.equal(state.roles.size, 200, 'the 199 named and the one tagged as ours');
  assert.ok(!state.roles.has('not-ours'));
  const role = state.roles.get('sa-007@default');
  assert.deepEqual(role?.trustPolicy, JSON.parse(trustFor(ACCOUNT, ISSUER, 'default', 'sa-007')));
  assert.deepEqual(role?.attachedPolicies, [READ_ONLY]);
  assert.equal(role?.description, 'irsa prod default/sa-007');
  assert.equal(role?.maxSessionDuration, 3600);
  assert.equal(role?.tags[MANAGED_BY_TAG], 'irsa-anywhere');
  assert.equal(role?.path, '/');
  assert.deepEqual(role?.inlinePolicies, {});
  // STS 1, ListOpenIDConnectProviders 1, GetOpenIDConnectProvider 1, one page of each role walk.
  assert.deepEqual(fresh.callsByAction(), {
    'iam:GetAccountAuthorizationDetails': 1,
    'iam:GetOpenIDConnectProvider': 1,
    'iam:ListOpenIDConnectProviders': 1,
    'iam:ListRoles': 1,
    'sts:GetCallerIdentity': 1,
  });
  assert.equal(state.awsCalls, 5);
});

test('GetAccountAuthorizationDetails refused: roles are read one by one, and the plan is told', async (t) => {
  const moto = await startMoto();
  t.after(() => moto.stop());
  const proxy = await startFaultProxy(moto.endpoint);
  t.after(() => proxy.close());
  const { caller } = await testAws(t, proxy.endpoint);
  const spec: ClusterSpec = {
    cluster: 'prod',
    issuer: ISSUER,
    account: ACCOUNT,
    serviceAccounts: ['a', 'b', 'c'],
    policies: [READ_ONLY],
    inline: { s3: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}' },
  };
  assert.ok((await executePlan(applyPlan(spec), { caller }, { direction: 'apply' })).ok);
  proxy.reset();
  proxy.fail(
    (c) => c.action === 'GetAccountAuthorizationDetails',
    1,
    () => iamError('AccessDenied', 'User is not authorized to perform: iam:GetAccountAuthorizationDetails', 403),
  );
  const fresh = new AwsCaller(caller.clients);
  const state = await readCurrentState(query({ roleNames: ['a@default', 'b@default'] }), fresh);
  assert.equal(state.roleReadMode, 'per-role');
  assert.match(state.warnings.join('\n'), /GetAccountAuthorizationDetails was refused/);
  assert.deepEqual([...state.roles.keys()].sort(), ['a@default', 'b@default', 'c@default']);
  const c = state.roles.get('c@default');
  assert.deepEqual(c?.attachedPolicies, [READ_ONLY]);
  assert.deepEqual(c?.inlinePolicies, { s3: JSON.parse(spec.inline?.s3 ?? '') });
  assert.equal(c?.description, 'irsa prod default/c');
  assert.deepEqual(c?.trustPolicy, JSON.parse(trustFor(ACCOUNT, ISSUER, 'default', 'c')));
  // Per role: GetRole, ListAttachedRolePolicies, ListRolePolicies, GetRolePolicy; plus the search for ours.
  const calls = fresh.callsByAction();
  assert.equal(calls['iam:GetRole'], 3);
  assert.equal(calls['iam:GetRolePolicy'], 3);
  assert.equal(calls['iam:ListRoles'], 1);
  assert.equal(calls['iam:ListRoleTags'], 1, 'only the role not named in the config');
});

test('buckets, objects and public-access blocks as S3 holds them; the account block unreadable is no error', async (t) => {
  const moto = await startMoto();
  t.after(() => moto.stop());
  const { caller, clients } = await testAws(t, moto.endpoint, 'ap-southeast-2');
  const Bucket = 'my-oidc-bucket';
  await clients.s3.send(
    new CreateBucketCommand({ Bucket, CreateBucketConfiguration: { LocationConstraint: 'ap-southeast-2' } }),
  );
  await clients.s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: ourTags('prod') } }));
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'x', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/k` },
    ],
  };
  await clients.s3.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify(policy) }));
  await clients.s3.send(
    new PutPublicAccessBlockCommand({
      Bucket,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true },
    }),
  );
  await clients.s3.send(
    new PutObjectCommand({
      Bucket,
      Key: 'prod/.well-known/openid-configuration',
      Body: '{"issuer":"x"}',
      ContentType: 'application/json',
      CacheControl: 'max-age=300',
    }),
  );
  const keys = ['prod/.well-known/openid-configuration', 'prod/openid/v1/jwks'];
  const state = await readCurrentState(
    query({
      providerUrls: [],
      buckets: [
        { name: Bucket, keys },
        { name: 'absent-bucket', keys },
      ],
      accountPublicAccessBlock: true,
    }),
    caller,
  );
  assert.deepEqual(state.buckets.get(Bucket), {
    name: Bucket,
    region: 'ap-southeast-2',
    tags: Object.fromEntries(ourTags('prod').map((x) => [x.Key, x.Value])),
    policy,
    publicAccessBlock: {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: false,
    },
  });
  assert.ok(!state.buckets.has('absent-bucket'));
  assert.deepEqual(state.documents.get(`${Bucket}/${keys[0]}`), {
    key: keys[0],
    body: '{"issuer":"x"}',
    contentType: 'application/json',
    cacheControl: 'max-age=300',
  });
  assert.ok(!state.documents.has(`${Bucket}/${keys[1]}`));
  assert.deepEqual(state.accountPublicAccessBlock, { readable: true });

  // S3 Control unreachable (nothing listens there): a reason, never an error or a hang.
  const closed = `http://127.0.0.1:${await freePort()}`;
  const offline = await createAwsClients({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    endpoints: { iam: moto.endpoint, s3: moto.endpoint, sts: moto.endpoint, s3control: closed },
  });
  t.after(() => offline.destroy());
  const noControl = await readCurrentState(
    query({ providerUrls: [], accountPublicAccessBlock: true, buckets: [{ name: Bucket, keys: [] }] }),
    new AwsCaller(offline),
  );
  assert.equal(noControl.accountPublicAccessBlock.readable, false);
  assert.match(
    (noControl.accountPublicAccessBlock as { why: string }).why,
    /^S3 Control GetPublicAccessBlock: connection refused/,
  );
});
