// The sandbox's IAM speaks what provisioning needs (issue 10 item 3): the executor and the readers run against it
// as against AWS — client IDs reconciled (moto cannot), thumbprints updated, tags, permissions boundaries, role
// updates, GetAccountAuthorizationDetails (paged, and read back by the AWS CLI), deletes with AWS's conflicts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DeleteRoleCommand,
  GetAccountAuthorizationDetailsCommand,
  GetRoleCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { oidcProviderArn } from '../../src/core/aws/arn.js';
import type { Change, Operation, StateQuery } from '../../src/core/provision/types.js';
import { AwsCaller } from '../../src/io/aws/aws-call.js';
import { executePlan } from '../../src/io/aws/execute-plan.js';
import { readCurrentState } from '../../src/io/aws/read-state.js';
import { applyPlan, type ClusterSpec, destroyPlan, ourTags, READ_ONLY, testAws } from '../io/aws-support.js';
import { aws, awsEnv, sandboxFor } from './helpers.js';

const ACCOUNT = '000000000000';
const ISSUER = 'https://issuer.example.com/prod';
const PROVIDER_ARN = oidcProviderArn('aws', ACCOUNT, ISSUER);
const BOUNDARY = 'arn:aws:iam::aws:policy/PowerUserAccess';
const INLINE = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';

const spec: ClusterSpec = {
  cluster: 'prod',
  issuer: ISSUER,
  account: ACCOUNT,
  serviceAccounts: ['app', 'worker'],
  policies: [READ_ONLY],
  inline: { read: INLINE },
  thumbprints: ['A'.repeat(40)],
};

const query: StateQuery = {
  providerUrls: [ISSUER],
  roleNames: ['app@default', 'worker@default'],
  clusters: ['prod'],
  buckets: [],
  files: [],
  accountPublicAccessBlock: false,
};

const change = (plane: Change['plane'], resource: string, operations: Operation[]): Change => ({
  plane,
  kind: 'update',
  cluster: 'prod',
  resource,
  details: [],
  operations,
});
const iam = (action: string, input: Record<string, unknown>) => ({ service: 'iam', action, input }) as Operation;

test('provisioning against the sandbox: client IDs reconciled, every role setting changed and read back, destroyed', async (t) => {
  const sb = await sandboxFor(t);
  const { caller } = await testAws(t, sb.endpoint, sb.region);
  assert.ok((await executePlan(applyPlan(spec), { caller }, { direction: 'apply' })).ok);

  const updates = [
    change('provider', `provider ${ISSUER}`, [
      iam('AddClientIDToOpenIDConnectProvider', { OpenIDConnectProviderArn: PROVIDER_ARN, ClientID: 'other-audience' }),
      // Adding one that is there already is no error (IAM documents both calls as idempotent).
      iam('AddClientIDToOpenIDConnectProvider', { OpenIDConnectProviderArn: PROVIDER_ARN, ClientID: 'other-audience' }),
      iam('RemoveClientIDFromOpenIDConnectProvider', {
        OpenIDConnectProviderArn: PROVIDER_ARN,
        ClientID: 'sts.amazonaws.com',
      }),
      iam('UpdateOpenIDConnectProviderThumbprint', {
        OpenIDConnectProviderArn: PROVIDER_ARN,
        ThumbprintList: ['B'.repeat(40)],
      }),
      iam('TagOpenIDConnectProvider', { OpenIDConnectProviderArn: PROVIDER_ARN, Tags: [{ Key: 'team', Value: 'a' }] }),
      iam('UntagOpenIDConnectProvider', { OpenIDConnectProviderArn: PROVIDER_ARN, TagKeys: ['team', 'absent'] }),
    ]),
    change('roles', 'role app@default', [
      iam('UpdateRole', { RoleName: 'app@default', Description: 'changed', MaxSessionDuration: 7200 }),
      iam('PutRolePermissionsBoundary', { RoleName: 'app@default', PermissionsBoundary: BOUNDARY }),
      iam('TagRole', { RoleName: 'app@default', Tags: [{ Key: 'owner', Value: 'me' }] }),
      iam('DetachRolePolicy', { RoleName: 'app@default', PolicyArn: READ_ONLY }),
      iam('DeleteRolePolicy', { RoleName: 'app@default', PolicyName: 'read' }),
    ]),
  ];
  const updated = await executePlan({ changes: updates }, { caller }, { direction: 'apply' });
  assert.ok(updated.ok, JSON.stringify(updated.outcomes.map((o) => o.error)));

  const state = await readCurrentState(query, new AwsCaller(caller.clients));
  assert.equal(state.roleReadMode, 'account-details');
  const provider = state.providers.get(ISSUER);
  assert.deepEqual(provider?.clientIds, ['other-audience']);
  assert.deepEqual(provider?.thumbprints, ['B'.repeat(40)]);
  assert.deepEqual(provider?.tags, Object.fromEntries(ourTags('prod').map((x) => [x.Key, x.Value])));
  const app = state.roles.get('app@default');
  assert.equal(app?.description, 'changed');
  assert.equal(app?.maxSessionDuration, 7200);
  assert.equal(app?.permissionsBoundary, BOUNDARY);
  assert.equal(app?.tags.owner, 'me');
  assert.deepEqual(app?.attachedPolicies, []);
  assert.deepEqual(app?.inlinePolicies, {});
  const worker = state.roles.get('worker@default');
  assert.deepEqual(worker?.attachedPolicies, [READ_ONLY]);
  assert.deepEqual(worker?.inlinePolicies, { read: JSON.parse(INLINE) });
  assert.equal(worker?.permissionsBoundary, undefined);

  // The boundary removed (twice: none set is no error), and GetRole agrees.
  const unbound = change('roles', 'role app@default', [
    iam('DeleteRolePermissionsBoundary', { RoleName: 'app@default' }),
    iam('DeleteRolePermissionsBoundary', { RoleName: 'app@default' }),
  ]);
  assert.ok((await executePlan({ changes: [unbound] }, { caller }, { direction: 'apply' })).ok);
  const role = await caller.clients.iam.send(new GetRoleCommand({ RoleName: 'app@default' }));
  assert.equal(role.Role?.PermissionsBoundary, undefined);

  // Destroy: detach, delete inline, delete role (DeleteConflict first if a policy remained), delete the provider.
  const gone = await executePlan(destroyPlan(spec), { caller }, { direction: 'destroy' });
  assert.ok(gone.ok, JSON.stringify(gone.outcomes.map((o) => o.error)));
  const after = await readCurrentState(query, new AwsCaller(caller.clients));
  assert.equal(after.providers.size, 0);
  assert.equal(after.roles.size, 0);
  // Deleting a provider that is not there succeeds, as IAM documents ("This operation is idempotent").
  const again = await executePlan({ changes: [destroyPlan(spec).changes[0]] }, { caller }, { direction: 'destroy' });
  assert.deepEqual(again.outcomes[0].notes, []);
});

test('DeleteRole with policies left is DeleteConflict; GetAccountAuthorizationDetails pages and parses in the AWS CLI', async (t) => {
  const sb = await sandboxFor(t);
  const { caller, clients } = await testAws(t, sb.endpoint, sb.region);
  const three = { ...spec, serviceAccounts: ['a', 'b', 'c'] };
  assert.ok((await executePlan(applyPlan(three), { caller }, { direction: 'apply' })).ok);
  await clients.iam.send(
    new PutRolePolicyCommand({ RoleName: 'a@default', PolicyName: 'second', PolicyDocument: INLINE }),
  );
  await assert.rejects(clients.iam.send(new DeleteRoleCommand({ RoleName: 'a@default' })), {
    name: 'DeleteConflictException',
    message: 'Cannot delete entity, must detach all policies first.',
  });

  const first = await clients.iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'], MaxItems: 2 }));
  assert.equal(first.RoleDetailList?.length, 2);
  assert.equal(first.IsTruncated, true);
  const rest = await clients.iam.send(
    new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'], MaxItems: 2, Marker: first.Marker }),
  );
  assert.deepEqual(
    [...(first.RoleDetailList ?? []), ...(rest.RoleDetailList ?? [])].map((r) => r.RoleName),
    ['a@default', 'b@default', 'c@default'],
  );
  assert.equal(rest.IsTruncated, false);
  const users = await clients.iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User'] }));
  assert.deepEqual(users.RoleDetailList, []);
  await assert.rejects(clients.iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Nope' as 'Role'] })), {
    name: 'ValidationError',
  });

  // The AWS CLI (botocore's parser, not ours) reads the same document back.
  const r = await aws(['iam', 'get-account-authorization-details', '--filter', 'Role'], awsEnv(t, sb));
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const a = out.RoleDetailList.find((x: { RoleName: string }) => x.RoleName === 'a@default');
  assert.deepEqual(
    a.RolePolicyList.map((p: { PolicyName: string }) => p.PolicyName),
    ['read', 'second'],
  );
  assert.deepEqual(a.RolePolicyList[0].PolicyDocument, JSON.parse(INLINE));
  assert.deepEqual(a.AttachedManagedPolicies, [{ PolicyName: 'ReadOnlyAccess', PolicyArn: READ_ONLY }]);
  assert.equal(a.AssumeRolePolicyDocument.Statement[0].Principal.Federated, PROVIDER_ARN);
  assert.deepEqual(
    a.Tags.map((x: { Key: string }) => x.Key),
    ourTags('prod').map((x) => x.Key),
  );
});

test('a permissions boundary is set at creation, refused for another account’s policy, and survives a restart', async (t) => {
  const sb = await sandboxFor(t);
  const { caller } = await testAws(t, sb.endpoint, sb.region);
  const plan = applyPlan({ ...spec, serviceAccounts: ['app'] });
  const create = plan.changes[1].operations[0].input as Record<string, unknown>;
  create.PermissionsBoundary = BOUNDARY;
  assert.ok((await executePlan(plan, { caller }, { direction: 'apply' })).ok);
  const foreign = change('roles', 'role app@default', [
    iam('PutRolePermissionsBoundary', {
      RoleName: 'app@default',
      PermissionsBoundary: 'arn:aws:iam::111111111111:policy/theirs',
    }),
  ]);
  const refused = await executePlan({ changes: [foreign] }, { caller }, { direction: 'apply' });
  assert.match(refused.outcomes[0].error?.message ?? '', /^IAM PutRolePermissionsBoundary app@default: NoSuchEntity/);
  await sb.close();

  const again = await sandboxFor(t, { stateDir: sb.stateDir });
  const { caller: second } = await testAws(t, again.endpoint, again.region);
  const state = await readCurrentState({ ...query, roleNames: ['app@default'] }, second);
  assert.equal(state.roles.get('app@default')?.permissionsBoundary, BOUNDARY);
});
