import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeOperation, planOidcProvider, planRole } from '../../src/core/aws/operations.js';
import {
  buildTrustPolicy,
  decodePolicyDocument,
  samePolicy,
  serializePolicy,
} from '../../src/core/aws/trust-policy-builder.js';

const providerArn = 'arn:aws:iam::111122223333:oidc-provider/issuer.example.com/c1';
const providerUrl = 'https://issuer.example.com/c1';

test('scoped trust: Federated = provider ARN, only the web-identity action, sub AND aud', () => {
  const doc = buildTrustPolicy({ providerArn, providerUrl, namespace: 'default', serviceAccount: 'test-pod-sa' });
  assert.deepEqual(doc, {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'issuer.example.com/c1:sub': 'system:serviceaccount:default:test-pod-sa',
            'issuer.example.com/c1:aud': 'sts.amazonaws.com',
          },
        },
      },
    ],
  });
});

test('namespace-wide trust: StringLike on sub, aud still StringEquals', () => {
  const doc = buildTrustPolicy({ providerArn, providerUrl, namespace: 'apps', serviceAccount: '*', audience: 'a1' });
  assert.deepEqual(doc.Statement[0].Condition, {
    StringEquals: { 'issuer.example.com/c1:aud': 'a1' },
    StringLike: { 'issuer.example.com/c1:sub': 'system:serviceaccount:apps:*' },
  });
});

test('trailing slash of the provider URL is kept in the condition keys', () => {
  const doc = buildTrustPolicy({
    providerArn: `${providerArn}/`,
    providerUrl: `${providerUrl}/`,
    namespace: 'n',
    serviceAccount: 's',
  });
  assert.ok('issuer.example.com/c1/:sub' in (doc.Statement[0].Condition?.StringEquals ?? {}));
});

test('trust builder refuses partial wildcards and empty scopes', () => {
  for (const bad of [
    { namespace: '', serviceAccount: 's' },
    { namespace: 'app*', serviceAccount: 's' },
    { namespace: 'n', serviceAccount: 'app-*' },
    { namespace: 'n', serviceAccount: 'a:b' },
  ]) {
    assert.throws(() => buildTrustPolicy({ providerArn, providerUrl, ...bad }), /cannot scope|wildcard/);
  }
  assert.throws(() => buildTrustPolicy([]), { code: 'ERR_TRUST_SCOPE' } as never);
});

test('samePolicy ignores key order, whitespace and one-element lists; decode undoes URL-encoding', () => {
  const doc = buildTrustPolicy({ providerArn, providerUrl, namespace: 'default', serviceAccount: 'x' });
  const reordered = JSON.stringify(
    { Statement: [{ ...doc.Statement[0], Action: ['sts:AssumeRoleWithWebIdentity'] }], Version: '2012-10-17' },
    null,
    2,
  );
  assert.ok(samePolicy(doc, reordered));
  assert.ok(samePolicy(serializePolicy(doc), decodePolicyDocument(encodeURIComponent(serializePolicy(doc)))));
  const other = buildTrustPolicy({ providerArn, providerUrl, namespace: 'default', serviceAccount: 'y' });
  assert.equal(samePolicy(doc, other), false);
  assert.equal(samePolicy('not json', '{}'), false);
});

test('planOidcProvider: create, no-op, add client id, replace thumbprints, prune on request', () => {
  const desired = { url: providerUrl, clientIds: ['sts.amazonaws.com'], thumbprints: ['a'.repeat(40)] };
  assert.deepEqual(planOidcProvider(desired, undefined), [
    {
      action: 'CreateOpenIDConnectProvider',
      input: { Url: providerUrl, ClientIDList: ['sts.amazonaws.com'], ThumbprintList: ['A'.repeat(40)] },
    },
  ]);
  const current = {
    arn: providerArn,
    url: providerUrl,
    clientIds: ['sts.amazonaws.com'],
    thumbprints: ['A'.repeat(40)],
  };
  assert.deepEqual(planOidcProvider(desired, current), []);
  const ops = planOidcProvider(
    { ...desired, clientIds: ['sts.amazonaws.com', 'x'], thumbprints: ['B'.repeat(40)] },
    current,
  );
  assert.deepEqual(
    ops.map((o) => o.action),
    ['AddClientIDToOpenIDConnectProvider', 'UpdateOpenIDConnectProviderThumbprint'],
  );
  assert.match(describeOperation(ops[0]), /add client ID x to arn:aws:iam::111122223333:oidc-provider/);
  assert.deepEqual(
    planOidcProvider({ ...desired, clientIds: [] }, current, { pruneClientIds: true }).map((o) => o.action),
    ['RemoveClientIDFromOpenIDConnectProvider'],
  );
  assert.throws(() => planOidcProvider({ ...desired, url: 'http://x' }, undefined), {
    code: 'ERR_PROVIDER_URL',
  } as never);
  assert.throws(() => planOidcProvider({ ...desired, thumbprints: ['abc'] }, undefined), {
    code: 'ERR_PROVIDER_THUMBPRINT',
  } as never);
  assert.throws(() => planOidcProvider(desired, { ...current, url: `${providerUrl}/` }), {
    code: 'ERR_PROVIDER_URL',
  } as never);
});

test('planRole: create with attachments, trust drift compared decoded, settings, prune on request', () => {
  const trust = buildTrustPolicy({ providerArn, providerUrl, namespace: 'default', serviceAccount: 'app' });
  const desired = {
    name: 'app@default',
    trustPolicy: trust,
    managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
  };
  const create = planRole(desired, undefined);
  assert.deepEqual(
    create.map((o) => o.action),
    ['CreateRole', 'AttachRolePolicy'],
  );
  assert.equal(
    (create[0].input as { AssumeRolePolicyDocument: string }).AssumeRolePolicyDocument,
    JSON.stringify(trust),
  );
  const current = {
    arn: 'arn:aws:iam::111122223333:role/app@default',
    name: 'app@default',
    path: '/',
    assumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)),
    maxSessionDuration: 3600,
    attachedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/Other'],
  };
  assert.deepEqual(planRole(desired, current), []);
  const drift = planRole(
    {
      ...desired,
      trustPolicy: buildTrustPolicy({ providerArn, providerUrl, namespace: 'default', serviceAccount: 'other' }),
      maxSessionDuration: 7200,
    },
    current,
  );
  assert.deepEqual(
    drift.map((o) => o.action),
    ['UpdateAssumeRolePolicy', 'UpdateRole'],
  );
  assert.deepEqual(
    planRole(desired, current, { prunePolicies: true }).map((o) => o.action),
    ['DetachRolePolicy'],
  );
  assert.throws(() => planRole({ ...desired, name: 'bad name' }, undefined), { code: 'ERR_ROLE_NAME' } as never);
  assert.throws(() => planRole({ ...desired, maxSessionDuration: 60 }, undefined), {
    code: 'ERR_ROLE_SESSION_DURATION',
  } as never);
});
