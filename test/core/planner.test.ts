import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serializeDiscovery } from '../../src/core/issuer/discovery.js';
import { serializeJwks } from '../../src/core/issuer/jwks.js';
import { PUBLIC_ACCESS_BLOCK } from '../../src/core/provision/bucket-policy.js';
import { desiredDocuments } from '../../src/core/provision/documents.js';
import { planDestroy, planOutcome, planSummary } from '../../src/core/provision/plan.js';
import { renderPlan } from '../../src/core/provision/render.js';
import {
  type Change,
  CLUSTER_TAG,
  type CurrentState,
  MANAGED_BY_TAG,
  MANAGED_BY_VALUE,
  type Operation,
  type Plan,
} from '../../src/core/provision/types.js';
import {
  config,
  DIR_CONFIG,
  JWKS,
  JWKS_ROTATED,
  material,
  plan,
  S3_CONFIG,
  THUMB_A,
  THUMB_B,
} from '../support/provision-fixtures.js';
import { ACCOUNT, applyPlan, emptyState, IAM_OWN_THUMBPRINT } from '../support/provision-sim.js';

// biome-ignore lint/suspicious/noExplicitAny: operation inputs (SDK shapes) are read freely in tests
type Loose = any;

const ISSUER = 'https://my-oidc-bucket.s3.ap-southeast-2.amazonaws.com/prod';
const HOST = 'my-oidc-bucket.s3.ap-southeast-2.amazonaws.com/prod';
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT.id}:oidc-provider/${HOST}`;
const ROLE = 'test-pod-sa@default';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const OURS = { [MANAGED_BY_TAG]: MANAGED_BY_VALUE, [CLUSTER_TAG]: 'prod' };

function ops(p: Plan, resource?: string): Operation[] {
  return p.changes.filter((c) => resource === undefined || c.resource === resource).flatMap((c) => c.operations);
}

function change(p: Plan, resource: string): Change {
  const c = p.changes.find((x) => x.resource === resource);
  assert.ok(c, `a change of ${resource} in ${p.changes.map((x) => x.resource).join(', ')}`);
  return c;
}

function actions(p: Plan, resource?: string): string[] {
  return ops(p, resource).map((o) => o.action);
}

/** The state after applying the config to an empty account. */
function applied(text = S3_CONFIG, overrides: Partial<CurrentState> = {}): CurrentState {
  const cfg = config(text);
  const state = emptyState(overrides);
  return applyPlan(state, plan(cfg, state));
}

test('apply from nothing: bucket, objects, provider and role, in plane order, with everything the issue asks', () => {
  const cfg = config(S3_CONFIG);
  const p = plan(cfg, emptyState());
  assert.deepEqual(
    p.changes.map((c) => `${c.plane} ${c.kind} ${c.resource}`),
    [
      'documents create s3://my-oidc-bucket',
      'documents create s3://my-oidc-bucket/prod/.well-known/openid-configuration',
      'documents create s3://my-oidc-bucket/prod/openid/v1/jwks',
      `provider create provider ${ISSUER}`,
      `roles create role ${ROLE}`,
    ],
  );
  assert.deepEqual(actions(p, 's3://my-oidc-bucket'), [
    'CreateBucket',
    'PutBucketTagging',
    'PutPublicAccessBlock',
    'PutBucketPolicy',
  ]);
  const [create, tagging, block, policy] = ops(p, 's3://my-oidc-bucket').map((o) => o.input as Record<string, Loose>);
  assert.deepEqual(create.CreateBucketConfiguration, { LocationConstraint: 'ap-southeast-2' });
  assert.deepEqual(tagging.Tagging.TagSet, [
    { Key: CLUSTER_TAG, Value: 'prod' },
    { Key: MANAGED_BY_TAG, Value: MANAGED_BY_VALUE },
  ]);
  assert.deepEqual(block.PublicAccessBlockConfiguration, {
    BlockPublicAcls: true,
    IgnorePublicAcls: true,
    BlockPublicPolicy: false,
    RestrictPublicBuckets: false,
  });
  assert.deepEqual(JSON.parse(policy.Policy).Statement, [
    {
      Sid: 'IrsaAnywhereProd',
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: [
        'arn:aws:s3:::my-oidc-bucket/prod/.well-known/openid-configuration',
        'arn:aws:s3:::my-oidc-bucket/prod/openid/v1/jwks',
      ],
    },
  ]);
  const docs = desiredDocuments(cfg.clusters[0], JWKS);
  const [discovery] = ops(p, 's3://my-oidc-bucket/prod/.well-known/openid-configuration');
  assert.deepEqual(discovery.input, {
    Bucket: 'my-oidc-bucket',
    Key: 'prod/.well-known/openid-configuration',
    Body: docs.discovery,
    ContentType: 'application/json',
    CacheControl: 'public, max-age=3600',
  });
  assert.equal(docs.jwks, serializeJwks(JWKS));
  assert.match(
    docs.discovery,
    /^\{"issuer":"https:\/\/my-oidc-bucket[^"]*\/prod","jwks_uri":"[^"]*\/prod\/openid\/v1\/jwks"/,
  );
  assert.deepEqual(change(p, 's3://my-oidc-bucket/prod/openid/v1/jwks').dependsOn, ['s3://my-oidc-bucket']);
  assert.equal(planOutcome(p).exitCode, 2);
});

test('the provider is created with its URL, client IDs, auto thumbprints and our tags in the create call', () => {
  const p = plan(config(S3_CONFIG), emptyState());
  assert.deepEqual(ops(p, `provider ${ISSUER}`), [
    {
      service: 'iam',
      action: 'CreateOpenIDConnectProvider',
      input: {
        Url: ISSUER,
        ClientIDList: ['sts.amazonaws.com'],
        ThumbprintList: [THUMB_A],
        Tags: [
          { Key: CLUSTER_TAG, Value: 'prod' },
          { Key: MANAGED_BY_TAG, Value: MANAGED_BY_VALUE },
        ],
      },
    },
  ]);
});

test('the role trusts exactly system:serviceaccount:NS:SA and the audience, StringEquals, tagged in CreateRole', () => {
  const p = plan(config(S3_CONFIG), emptyState());
  const [create, attach] = ops(p, `role ${ROLE}`);
  assert.equal(create.action, 'CreateRole');
  const input = create.input as Record<string, Loose>;
  assert.deepEqual(JSON.parse(input.AssumeRolePolicyDocument), {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: PROVIDER_ARN },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${HOST}:sub`]: 'system:serviceaccount:default:test-pod-sa',
            [`${HOST}:aud`]: 'sts.amazonaws.com',
          },
        },
      },
    ],
  });
  assert.equal(input.Path, '/');
  assert.equal(input.MaxSessionDuration, 3600);
  assert.ok(input.Tags.some((t: Loose) => t.Key === MANAGED_BY_TAG));
  assert.deepEqual(attach, {
    service: 'iam',
    action: 'AttachRolePolicy',
    input: { RoleName: ROLE, PolicyArn: READ_ONLY },
  });
});

test('renderPlan: per plane, + ~ -, a readable trust policy, and the Terraform-like count', () => {
  const text = renderPlan(plan(config(S3_CONFIG), emptyState()));
  assert.match(text, /^Documents/m);
  assert.match(text, /^ {2}\+ s3:\/\/my-oidc-bucket$/m);
  assert.match(text, /^ +\+ +"Federated": "arn:aws:iam::111122223333:oidc-provider\//m);
  assert.match(text, /BlockPublicPolicy=false/);
  assert.match(text, /Plan: 5 to add, 0 to change, 0 to destroy\.$/);
});

test('no-op: a plan on the state its apply produced is empty (exit 0), also when AWS hands policies back reformatted', () => {
  for (const reformat of [false, true]) {
    const cfg = config(S3_CONFIG);
    const state = applyPlan(emptyState(), plan(cfg, emptyState()), { reformat });
    const again = plan(cfg, state);
    assert.deepEqual(again.changes, [], `reformat ${reformat}`);
    assert.deepEqual(planOutcome(again), { exitCode: 0, status: 'no-changes' });
    assert.match(renderPlan(again), /^No changes: AWS matches irsa.yaml\.$/);
  }
});

test('a hand-widened trust policy is drift: shown as a line diff, repaired by UpdateAssumeRolePolicy', () => {
  const cfg = config(S3_CONFIG);
  const state = applied();
  const role = state.roles.get(ROLE)!;
  role.trustPolicy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: PROVIDER_ARN },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringLike: { [`${HOST}:sub`]: 'system:serviceaccount:*' } },
      },
    ],
  };
  const p = plan(cfg, state);
  assert.deepEqual(actions(p), ['UpdateAssumeRolePolicy']);
  const details = change(p, `role ${ROLE}`).details.join('\n');
  assert.match(details, /^~ trust policy:/);
  assert.match(details, /^ +- +"StringLike": \{$/m);
  assert.match(details, /^ +\+ +"StringEquals": \{$/m);
  assert.match(renderPlan(p), /Plan: 0 to add, 1 to change, 0 to destroy\./);
  assert.deepEqual(plan(cfg, applyPlan(state, p)).changes, []);
});

test('a role of the same name not tagged as ours is a conflict, never touched; --adopt takes it over', () => {
  const cfg = config(S3_CONFIG);
  const state = emptyState();
  state.roles.set(ROLE, {
    name: ROLE,
    arn: `arn:aws:iam::${ACCOUNT.id}:role/${ROLE}`,
    path: '/',
    maxSessionDuration: 3600,
    trustPolicy: { Version: '2012-10-17', Statement: [] },
    tags: { team: 'x' },
    attachedPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'],
    inlinePolicies: {},
  });
  const p = plan(cfg, state);
  assert.equal(p.conflicts.length, 1);
  assert.equal(p.conflicts[0].resource, `role ${ROLE}`);
  assert.match(p.conflicts[0].message, /not tagged irsa-anywhere\/managed-by=irsa-anywhere/);
  assert.match(p.conflicts[0].hint ?? '', /--adopt/);
  assert.deepEqual(ops(p, `role ${ROLE}`), []);
  assert.equal(p.changes.length, 4, 'everything else is still planned');
  assert.deepEqual(planOutcome(p), { exitCode: 1, status: 'conflicts' });
  assert.match(renderPlan(p), /! role test-pod-sa@default \(cluster prod\)/);

  const adopted = plan(cfg, state, { adopt: true });
  assert.deepEqual(adopted.conflicts, []);
  assert.deepEqual(actions(adopted, `role ${ROLE}`), [
    'UpdateAssumeRolePolicy',
    'DetachRolePolicy',
    'AttachRolePolicy',
    'TagRole',
    'UntagRole',
  ]);
  const after = applyPlan(state, adopted);
  assert.deepEqual(after.roles.get(ROLE)!.tags, OURS);
  assert.deepEqual(plan(cfg, after).changes, []);
});

test('a role irsa manages for a cluster this config does not name is a conflict too', () => {
  const state = applied();
  state.roles.get(ROLE)!.tags[CLUSTER_TAG] = 'staging';
  const p = plan(config(S3_CONFIG), state);
  assert.match(p.conflicts[0].message, /managed by irsa-anywhere for cluster staging/);
});

test('a foreign provider is a conflict; roles still trust it by its own ARN; adopt tags it', () => {
  const cfg = config(S3_CONFIG);
  const state = emptyState();
  const arn = `arn:aws:iam::${ACCOUNT.id}:oidc-provider/${HOST}`;
  state.providers.set(ISSUER, { arn, url: ISSUER, clientIds: ['sts.amazonaws.com'], thumbprints: [THUMB_A], tags: {} });
  const p = plan(cfg, state);
  assert.deepEqual(
    p.conflicts.map((c) => c.resource),
    [`provider ${ISSUER}`],
  );
  assert.match(p.conflicts[0].message, /roles still trust it/);
  const trust = JSON.parse((ops(p, `role ${ROLE}`)[0].input as Loose).AssumeRolePolicyDocument);
  assert.equal(trust.Statement[0].Principal.Federated, arn);
  const adopted = plan(cfg, state, { adopt: true });
  assert.deepEqual(actions(adopted, `provider ${ISSUER}`), ['TagOpenIDConnectProvider']);
});

test('provider: client IDs added and removed, thumbprints replaced case-insensitively, tags reconciled', () => {
  const cfg = config(S3_CONFIG.replace('audiences: [sts.amazonaws.com]', 'audiences: [sts.amazonaws.com, other]'));
  const state = applied();
  const provider = state.providers.get(ISSUER)!;
  provider.clientIds = ['sts.amazonaws.com', 'stale'];
  provider.thumbprints = [THUMB_B];
  provider.tags.extra = 'x';
  const p = plan(cfg, state);
  assert.deepEqual(actions(p, `provider ${ISSUER}`), [
    'AddClientIDToOpenIDConnectProvider',
    'RemoveClientIDFromOpenIDConnectProvider',
    'UpdateOpenIDConnectProviderThumbprint',
    'UntagOpenIDConnectProvider',
  ]);
  const after = applyPlan(state, p);
  assert.deepEqual(
    after.providers.get(ISSUER)!.thumbprints,
    [THUMB_A.toLowerCase()],
    'the simulator stores lower case',
  );
  assert.deepEqual(plan(cfg, after).changes, [], 'thumbprints compare case-insensitively');
});

test('thumbprints: [] is unmanaged (never drift); auto that could not reach the host warns and leaves them', () => {
  const unmanaged = config(S3_CONFIG.replace('thumbprints: auto', 'thumbprints: []'));
  const state = applied(S3_CONFIG.replace('thumbprints: auto', 'thumbprints: []'));
  assert.deepEqual(state.providers.get(ISSUER)!.thumbprints, [IAM_OWN_THUMBPRINT], 'created without ThumbprintList');
  assert.deepEqual(plan(unmanaged, state).changes, []);

  const auto = config(S3_CONFIG);
  const p = planDestroyless(auto, state, { ok: false, why: 'connect ECONNREFUSED' });
  assert.deepEqual(ops(p, `provider ${ISSUER}`), []);
  assert.ok(p.warnings.some((w) => /thumbprints left as IAM has them \(connect ECONNREFUSED\)/.test(w)));
});

function planDestroyless(cfg: ReturnType<typeof config>, state: CurrentState, auto: { ok: false; why: string }): Plan {
  return plan(cfg, state, { material: material(cfg, { autoThumbprints: auto }) });
}

test('one role trusted by two clusters: one statement each, tagged with the first cluster', () => {
  const text = `${S3_CONFIG}  - name: staging
    issuer: https://oidc.example.com/staging
    keys: [keys/staging.pub]
    publish: {directory: public/staging}
    serviceAccounts:
      - {namespace: apps, name: worker, role: test-pod-sa@default}
`;
  const cfg = config(text);
  assert.equal(cfg.roles.length, 1);
  const p = plan(cfg, emptyState());
  const creates = ops(p).filter((o) => o.action === 'CreateRole');
  assert.equal(creates.length, 1);
  const trust = JSON.parse((creates[0].input as Loose).AssumeRolePolicyDocument);
  assert.deepEqual(
    trust.Statement.map((s: Loose) => [s.Principal.Federated, Object.values(s.Condition.StringEquals)[0]]),
    [
      [PROVIDER_ARN, 'system:serviceaccount:default:test-pod-sa'],
      [`arn:aws:iam::${ACCOUNT.id}:oidc-provider/oidc.example.com/staging`, 'system:serviceaccount:apps:worker'],
    ],
  );
  assert.ok((creates[0].input as Loose).Tags.some((t: Loose) => t.Key === CLUSTER_TAG && t.Value === 'prod'));
  assert.deepEqual(plan(cfg, applyPlan(emptyState(), p)).changes, []);
});

test('the trust-policy quota is checked before apply: over 2,048 a conflict, fine once quotas raise it', () => {
  const many = Array.from(
    { length: 6 },
    (_, i) => `      - {namespace: team-${i}, name: service-account-${i}, role: shared}\n`,
  ).join('');
  const text = S3_CONFIG.replace(/ {4}serviceAccounts:\n[\s\S]*$/, `    serviceAccounts:\n${many}`);
  const p = plan(config(text), emptyState());
  assert.equal(p.conflicts.length, 1);
  assert.match(p.conflicts[0].message, /trust policy is \d+ characters without white space, over IAM's quota of 2048/);
  assert.match(p.conflicts[0].hint ?? '', /quotas\.roleTrustPolicyLength/);
  assert.ok(!actions(p).includes('CreateRole'));
  const raised = plan(
    config(text.replace('region: ap-southeast-2', 'region: ap-southeast-2\nquotas: {roleTrustPolicyLength: 4096}')),
    emptyState(),
  );
  assert.deepEqual(raised.conflicts, []);
  assert.ok(actions(raised).includes('CreateRole'));
});

test('a "*" name trusts the namespace through StringLike, and plan warns', () => {
  const text = S3_CONFIG.replace('name: test-pod-sa\n', 'name: "*"\n        role: whole-namespace\n');
  const p = plan(config(text), emptyState());
  const trust = JSON.parse((ops(p, 'role whole-namespace')[0].input as Loose).AssumeRolePolicyDocument);
  assert.deepEqual(trust.Statement[0].Condition, {
    StringEquals: { [`${HOST}:aud`]: 'sts.amazonaws.com' },
    StringLike: { [`${HOST}:sub`]: 'system:serviceaccount:default:*' },
  });
  assert.ok(
    p.warnings.some((w) => /whole-namespace trusts every ServiceAccount of namespace default on cluster prod/.test(w)),
  );
});

test('a role under another path is a conflict: IAM cannot move roles', () => {
  const state = applied();
  state.roles.get(ROLE)!.path = '/legacy/';
  const p = plan(config(S3_CONFIG), state);
  assert.match(p.conflicts[0].message, /under path \/legacy\/, not \/, and IAM cannot move a role/);
});

test('settings follow the file: duration, description, boundary, managed and inline policies', () => {
  const state = applied();
  const text = S3_CONFIG.replace(
    '        policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n',
    `        policies: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]
        maxSessionDuration: 2h
        description: reads the bucket
        permissionsBoundary: arn:aws:iam::111122223333:policy/boundary
        inlinePolicies:
          sqs: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "sqs:*", Resource: "*"}]}
`,
  );
  const cfg = config(text);
  const p = plan(cfg, state);
  assert.deepEqual(actions(p), [
    'UpdateRole',
    'PutRolePermissionsBoundary',
    'DetachRolePolicy',
    'AttachRolePolicy',
    'PutRolePolicy',
  ]);
  assert.deepEqual(ops(p)[0].input, { RoleName: ROLE, Description: 'reads the bucket', MaxSessionDuration: 7200 });
  assert.ok(change(p, `role ${ROLE}`).details.includes('~ max session duration: 1h → 2h'));
  const after = applyPlan(state, p);
  assert.deepEqual(plan(cfg, after).changes, []);
  // and back: everything the file no longer says is removed
  const back = plan(config(S3_CONFIG), after);
  assert.deepEqual(actions(back), [
    'UpdateRole',
    'DeleteRolePermissionsBoundary',
    'DetachRolePolicy',
    'AttachRolePolicy',
    'DeleteRolePolicy',
  ]);
  assert.deepEqual(ops(back)[0].input, { RoleName: ROLE, Description: '', MaxSessionDuration: 3600 });
  assert.deepEqual(plan(config(S3_CONFIG), applyPlan(after, back)).changes, []);
});

test('a role of ours the file no longer names is deleted, policies detached first', () => {
  const state = applied();
  state.roles.get(ROLE)!.inlinePolicies.x = { Version: '2012-10-17', Statement: [] };
  const text = S3_CONFIG.replace('name: test-pod-sa', 'name: renamed');
  const p = plan(config(text), state);
  assert.deepEqual(
    p.changes.filter((c) => c.plane === 'roles').map((c) => `${c.kind} ${c.resource}`),
    ['create role renamed@default', `delete role ${ROLE}`],
  );
  assert.deepEqual(actions(p, `role ${ROLE}`), ['DetachRolePolicy', 'DeleteRolePolicy', 'DeleteRole']);
  assert.doesNotThrow(() => applyPlan(state, p));
});

test('an existing bucket: other statements kept in place, block rewritten, foreign tags never written', () => {
  const state = emptyState();
  const other = {
    Sid: 'TheirOwn',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:DeleteObject',
    Resource: 'arn:aws:s3:::my-oidc-bucket/*',
  };
  state.buckets.set('my-oidc-bucket', {
    name: 'my-oidc-bucket',
    region: 'ap-southeast-2',
    tags: { owner: 'them' },
    policy: { Version: '2012-10-17', Statement: [other] },
    publicAccessBlock: {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    },
  });
  const p = plan(config(S3_CONFIG), state);
  const bucket = change(p, 's3://my-oidc-bucket');
  assert.equal(bucket.kind, 'update');
  assert.deepEqual(
    bucket.operations.map((o) => o.action),
    ['PutPublicAccessBlock', 'PutBucketPolicy'],
  );
  const policy = JSON.parse((bucket.operations[1].input as Loose).Policy);
  assert.deepEqual(
    policy.Statement.map((s: Loose) => s.Sid),
    ['TheirOwn', 'IrsaAnywhereProd'],
  );
  assert.ok(bucket.details.includes('    ~ BlockPublicPolicy: true → false'));
  assert.equal(change(p, 's3://my-oidc-bucket/prod/openid/v1/jwks').dependsOn, undefined);
  const after = applyPlan(state, p);
  assert.deepEqual(after.buckets.get('my-oidc-bucket')!.tags, { owner: 'them' });
  assert.deepEqual(plan(config(S3_CONFIG), after).changes, []);
});

test('account-level Block Public Access that would block reading: a conflict naming the setting; unreadable: a warning', () => {
  const blocked = plan(
    config(S3_CONFIG),
    emptyState({
      accountPublicAccessBlock: { readable: true, block: { ...PUBLIC_ACCESS_BLOCK, RestrictPublicBuckets: true } },
    }),
  );
  assert.equal(blocked.conflicts[0].resource, 'account public-access block');
  assert.match(blocked.conflicts[0].message, /^RestrictPublicBuckets is on for the whole account/);
  assert.ok(!actions(blocked).includes('PutBucketPolicy'));
  const unknown = plan(
    config(S3_CONFIG),
    emptyState({ accountPublicAccessBlock: { readable: false, why: 'AccessDenied' } }),
  );
  assert.deepEqual(unknown.conflicts, []);
  assert.ok(unknown.warnings.some((w) => /could not be read \(AccessDenied\)/.test(w)));
});

test('a missing bucket without create, a bucket in another region or of another account: conflicts, no objects', () => {
  const noCreate = plan(config(S3_CONFIG.replace('create: true', 'create: false')), emptyState());
  assert.match(noCreate.conflicts[0].message, /does not exist/);
  assert.ok(!actions(noCreate).includes('PutObject'));
  const elsewhere = emptyState();
  elsewhere.buckets.set('my-oidc-bucket', { name: 'my-oidc-bucket', region: 'us-west-2', tags: {} });
  assert.match(plan(config(S3_CONFIG), elsewhere).conflicts[0].message, /is in us-west-2, not in ap-southeast-2/);
  const denied = emptyState();
  denied.buckets.set('my-oidc-bucket', { name: 'my-oidc-bucket', tags: {}, accessDenied: true });
  assert.match(plan(config(S3_CONFIG), denied).conflicts[0].message, /cannot read it/);
});

test('a changed key set: both documents updated with a readable diff, nothing else', () => {
  const cfg = config(S3_CONFIG);
  const state = applied();
  const p = plan(cfg, state, { material: material(cfg, { jwks: JWKS_ROTATED }) });
  assert.deepEqual(
    p.changes.map((c) => `${c.kind} ${c.resource}`),
    [
      'update s3://my-oidc-bucket/prod/.well-known/openid-configuration',
      'update s3://my-oidc-bucket/prod/openid/v1/jwks',
    ],
  );
  assert.ok(
    change(p, 's3://my-oidc-bucket/prod/openid/v1/jwks').details.some((d) => /^ +\+ +"kid": "kid-2",$/.test(d)),
  );
  assert.ok(
    change(p, 's3://my-oidc-bucket/prod/.well-known/openid-configuration').details.some((d) => d.includes('"ES256"')),
  );
});

test('objects with the wrong headers are rewritten', () => {
  const state = applied();
  state.documents.get('my-oidc-bucket/prod/openid/v1/jwks')!.cacheControl = 'no-cache';
  const p = plan(config(S3_CONFIG), state);
  assert.deepEqual(change(p, 's3://my-oidc-bucket/prod/openid/v1/jwks').details, [
    '~ Cache-Control: no-cache → public, max-age=3600',
  ]);
});

test('directory publishing: two files at the issuer root, no bucket, a no-op after', () => {
  const cfg = config(DIR_CONFIG);
  const p = plan(cfg, emptyState());
  const writes = ops(p).filter((o) => o.service === 'file');
  assert.deepEqual(
    writes.map((o) => (o.input as Loose).path),
    ['/work/cfg/sandbox/issuer/.well-known/openid-configuration', '/work/cfg/sandbox/issuer/openid/v1/jwks'],
  );
  assert.equal(
    (writes[0].input as Loose).body,
    serializeDiscovery(JSON.parse(desiredDocuments(cfg.clusters[0], JWKS).discovery)),
  );
  assert.ok(!ops(p).some((o) => o.service === 's3'));
  assert.deepEqual(plan(cfg, applyPlan(emptyState(), p)).changes, []);
});

test('annotate: after the role is created; a missing ServiceAccount is a warning; destroy takes it out', () => {
  const text = S3_CONFIG.replace('        policies:', '        annotate: true\n        policies:');
  const cfg = config(text);
  const missing = plan(cfg, emptyState());
  assert.ok(missing.warnings.includes('ServiceAccount default/test-pod-sa not found on cluster prod: not annotated'));
  const state = emptyState({
    serviceAccounts: new Map([['prod/default/test-pod-sa', { annotations: { other: 'x' } }]]),
  });
  const p = plan(cfg, state);
  const annotate = change(p, 'serviceaccount prod/default/test-pod-sa');
  assert.deepEqual(annotate.dependsOn, [`role ${ROLE}`]);
  assert.deepEqual(annotate.operations[0].input, {
    cluster: 'prod',
    namespace: 'default',
    name: 'test-pod-sa',
    annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${ACCOUNT.id}:role/${ROLE}` },
  });
  const after = applyPlan(state, p);
  assert.deepEqual(plan(cfg, after).changes, []);
  const destroy = planDestroy(cfg, after);
  const removal = change(destroy, 'serviceaccount prod/default/test-pod-sa');
  assert.deepEqual((removal.operations[0].input as Loose).annotations, { 'eks.amazonaws.com/role-arn': null });
  assert.deepEqual(applyPlan(after, destroy).serviceAccounts.get('prod/default/test-pod-sa'), {
    annotations: { other: 'x' },
  });
});

test('destroy: reverse order, only what is ours; the bucket deleted after its objects, if empty', () => {
  const cfg = config(S3_CONFIG);
  const state = applied();
  state.roles.set('theirs', { ...state.roles.get(ROLE)!, name: 'theirs', tags: {} });
  const p = planDestroy(cfg, state);
  assert.equal(p.mode, 'destroy');
  assert.deepEqual(
    p.changes.map((c) => `${c.plane} ${c.kind} ${c.resource}`),
    [
      `roles delete role ${ROLE}`,
      `provider delete provider ${ISSUER}`,
      'documents delete s3://my-oidc-bucket/prod/.well-known/openid-configuration',
      'documents delete s3://my-oidc-bucket/prod/openid/v1/jwks',
      'documents delete s3://my-oidc-bucket',
    ],
  );
  const bucket = change(p, 's3://my-oidc-bucket');
  assert.deepEqual(
    bucket.operations.map((o) => o.action),
    ['DeleteBucketPolicy', 'DeleteBucket'],
  );
  assert.deepEqual(bucket.dependsOn, [
    's3://my-oidc-bucket/prod/.well-known/openid-configuration',
    's3://my-oidc-bucket/prod/openid/v1/jwks',
  ]);
  assert.ok(bucket.details.some((d) => /if it is empty/.test(d)));
  assert.deepEqual(planSummary(p), { add: 0, change: 0, destroy: 5, conflicts: 0 });
  const after = applyPlan(state, p);
  assert.deepEqual([...after.roles.keys()], ['theirs']);
  assert.equal(after.providers.size + after.documents.size + after.buckets.size, 0);
  assert.deepEqual(planDestroy(cfg, after).changes, []);
  assert.match(renderPlan(planDestroy(cfg, after)), /No changes: nothing of this config is left to remove/);
});

test('destroy keeps a bucket we did not create and the statements that are not ours', () => {
  const state = emptyState();
  const other = {
    Sid: 'Keep',
    Effect: 'Allow',
    Principal: '*',
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::my-oidc-bucket/x',
  };
  state.buckets.set('my-oidc-bucket', {
    name: 'my-oidc-bucket',
    region: 'ap-southeast-2',
    tags: {},
    policy: { Version: '2012-10-17', Statement: [other] },
  });
  const cfg = config(S3_CONFIG);
  const after = applyPlan(state, plan(cfg, state));
  const p = planDestroy(cfg, after);
  const bucket = change(p, 's3://my-oidc-bucket');
  assert.equal(bucket.kind, 'update');
  assert.deepEqual(
    bucket.operations.map((o) => o.action),
    ['PutBucketPolicy'],
  );
  assert.deepEqual(applyPlan(after, p).buckets.get('my-oidc-bucket')!.policy, {
    Version: '2012-10-17',
    Statement: [other],
  });
});

test('destroy leaves a provider and a role it does not own, with a warning', () => {
  const state = applied();
  state.providers.get(ISSUER)!.tags = {};
  state.roles.get(ROLE)!.tags = {};
  const p = planDestroy(config(S3_CONFIG), state);
  assert.ok(!p.changes.some((c) => c.plane !== 'documents'));
  assert.equal(p.warnings.length, 2);
});
