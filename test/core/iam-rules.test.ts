// One implementation of IAM's rules (src/core/aws/iam-validation.ts), used by irsa.yaml's checks, the planners
// (core/aws/operations.ts) and the sandbox's IAM: each answers AWS's error and the rule in words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkAttachedPolicyCount,
  checkClientIds,
  checkManagedPolicyArn,
  checkMaxSessionDuration,
  checkPath,
  checkRoleName,
  checkTags,
  checkThumbprints,
  checkTrustPolicyDocument,
} from '../../src/core/aws/iam-validation.js';
import { planRole } from '../../src/core/aws/operations.js';
import {
  canonicalJson,
  normalizePolicy,
  prettyPolicy,
  samePolicyDocument,
} from '../../src/core/aws/policy-normalize.js';
import { buildTrustPolicy, serializePolicy } from '../../src/core/aws/trust-policy-builder.js';
import { diffLines } from '../../src/core/provision/diff.js';

test('a role path of // is refused by the rules and by the role planner alike, as AWS refuses it', () => {
  const rule = checkPath('//');
  assert.equal(rule?.code, 'ValidationError');
  assert.equal(rule?.status, 400);
  assert.match(
    rule?.message ?? '',
    /^1 validation error detected: Value '\/\/' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern/,
  );
  assert.throws(() => planRole({ name: 'r', path: '//', trustPolicy: '{}' }, undefined), {
    code: 'ERR_ROLE_PATH',
  } as never);
  for (const ok of ['/', '/a/', '/a/b/']) assert.equal(checkPath(ok), undefined, ok);
  for (const bad of ['', 'a/', '/a', `/${'a'.repeat(511)}/`]) assert.ok(checkPath(bad), bad);
});

test('names, durations, client IDs, thumbprints: AWS codes, and words for people', () => {
  assert.equal(checkRoleName('a'.repeat(64)), undefined);
  assert.equal(checkRoleName('a'.repeat(65))?.words, 'is longer than 64 characters');
  assert.match(checkRoleName('a b')?.words ?? '', /may hold only letters, digits and \+ = , \. @ _ -/);
  assert.equal(checkMaxSessionDuration(3600), undefined);
  assert.equal(checkMaxSessionDuration(43201)?.code, 'ValidationError');
  assert.equal(checkMaxSessionDuration(1.5)?.words, 'is 1.5 seconds; IAM allows 3600 to 43200 (1h to 12h)');
  assert.equal(checkClientIds(Array.from({ length: 101 }, (_, i) => `c${i}`))?.code, 'LimitExceeded');
  assert.equal(checkThumbprints(['A'.repeat(40)]), undefined);
  assert.equal(
    checkThumbprints(Array(6).fill('A'.repeat(40)))?.message,
    'Thumbprint list must contain fewer than 5 entries.',
  );
  assert.equal(
    checkTags([
      { Key: 'a', Value: 'x' },
      { Key: 'A', Value: 'y' },
    ])?.code,
    'InvalidInput',
  );
  assert.equal(checkAttachedPolicyCount(10), undefined);
  assert.deepEqual(
    [checkAttachedPolicyCount(11)?.code, checkAttachedPolicyCount(11)?.status, checkAttachedPolicyCount(20, 20)],
    ['LimitExceeded', 409, undefined],
  );
});

test('managed policy ARNs: AWS-managed and customer-managed, any partition, with a path', () => {
  for (const ok of [
    'arn:aws:iam::aws:policy/ReadOnlyAccess',
    'arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM',
    'arn:aws-cn:iam::111122223333:policy/team/boundary',
  ]) {
    assert.equal(checkManagedPolicyArn(ok), undefined, ok);
  }
  for (const bad of [
    'ReadOnlyAccess',
    'arn:aws:iam::aws:role/x',
    'arn:aws:s3:::bucket',
    'arn:aws:iam:eu-west-1:aws:policy/x',
  ]) {
    assert.equal(checkManagedPolicyArn(bad)?.code, 'InvalidInput', bad);
  }
});

test('the trust-policy quota: 2,048 without white space unless raised, checked before the document', () => {
  const statement = (i: number) =>
    buildTrustPolicy({
      providerArn: 'arn:aws:iam::111122223333:oidc-provider/oidc.example.com/c1',
      providerUrl: 'https://oidc.example.com/c1',
      namespace: `namespace-${i}`,
      serviceAccount: `service-account-${i}`,
    }).Statement[0];
  const doc = (n: number) => ({ Version: '2012-10-17', Statement: Array.from({ length: n }, (_, i) => statement(i)) });
  const fits = serializePolicy(doc(6));
  assert.ok(fits.length < 2048 && fits.length > 1500, `${fits.length}`);
  assert.equal(checkTrustPolicyDocument(JSON.stringify(doc(6), null, 8)), undefined, 'white space is not counted');
  const over = checkTrustPolicyDocument(serializePolicy(doc(8)));
  assert.equal(over?.code, 'LimitExceeded');
  assert.equal(over?.message, 'Cannot exceed quota for ACLSizePerRole: 2048');
  assert.match(over?.words ?? '', /^is \d+ characters without white space, over IAM's quota of 2048/);
  assert.equal(checkTrustPolicyDocument(serializePolicy(doc(8)), 4096), undefined);
  assert.equal(checkTrustPolicyDocument('{"Statement": []}')?.code, 'MalformedPolicyDocument');
});

test('policy documents compare by meaning: key order, white space, ["x"] vs "x", value order, condition key case', () => {
  const a = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: '*',
        Condition: { StringEquals: { 'Host/P:sub': 'x' } },
      },
    ],
  };
  const b = `{"Statement":{"Condition":{"StringEquals":{"host/p:SUB":["x"]}},"Resource":["*"],"Action":["s3:ListBucket","s3:GetObject"],"Effect":"Allow"},
    "Version":"2012-10-17"}`;
  assert.ok(samePolicyDocument(a, b));
  assert.ok(!samePolicyDocument(a, { ...a, Statement: [{ ...a.Statement[0], Effect: 'Deny' }] }));
  assert.ok(!samePolicyDocument(a, '{not json'));
  assert.ok(
    !samePolicyDocument(a, {
      ...a,
      Statement: [{ ...a.Statement[0], Condition: { StringEquals: { 'host/p:sub': 'X' } } }],
    }),
    'values keep their case',
  );
  assert.equal(canonicalJson(normalizePolicy(a)), canonicalJson(normalizePolicy(JSON.parse(b))));
  assert.match(
    prettyPolicy(JSON.parse(b)),
    /^\{\n {2}"Version": "2012-10-17",\n {2}"Statement": \[\n {4}\{\n {6}"Effect": "Allow",/,
  );
});

test('line diff: removed before added, context kept', () => {
  assert.deepEqual(diffLines(['a', 'b', 'c'], ['a', 'x', 'c', 'd']), ['  a', '- b', '+ x', '  c', '+ d']);
  assert.deepEqual(diffLines([], ['n']), ['+ n']);
  assert.deepEqual(diffLines(['o'], []), ['- o']);
});
