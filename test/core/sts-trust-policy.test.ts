// The in-house trust-policy evaluator and validator: every operator, set prefixes, IfExists, Null, multi-valued keys
// and values, Deny precedence, principals, actions, and IAM's CreateRole validation texts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  evaluateTrustPolicy,
  parseOperator,
  type TrustContext,
  trustPolicySize,
  validateTrustPolicy,
  webIdentityContext,
} from '../../src/core/sts/trust-policy.js';
import { wildcardMatch } from '../../src/core/sts/wildcard.js';

const HOST = 'issuer.example.com/cluster';
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${HOST}`;
const SUB = 'system:serviceaccount:default:app';

function ctx(extra: Partial<Parameters<typeof webIdentityContext>[0]> = {}): TrustContext {
  return webIdentityContext({
    providerArn: PROVIDER,
    providerUrl: `https://${HOST}`,
    sub: SUB,
    aud: 'sts.amazonaws.com',
    amr: ['pwd', 'mfa'],
    roleSessionName: 'session-1',
    ...extra,
  });
}

function policy(condition?: unknown, more: Record<string, unknown> = {}) {
  return {
    Version: '2012-10-17',
    Statement: {
      Effect: 'Allow',
      Principal: { Federated: PROVIDER },
      Action: 'sts:AssumeRoleWithWebIdentity',
      ...(condition ? { Condition: condition } : {}),
      ...more,
    },
  };
}

const allowed = (condition: unknown, c = ctx()) => evaluateTrustPolicy(policy(condition), c).allowed;

test('the EKS trust policy admits its service account and names the failing condition for another', () => {
  const p = policy({ StringEquals: { [`${HOST}:sub`]: SUB, [`${HOST}:aud`]: 'sts.amazonaws.com' } });
  const ok = evaluateTrustPolicy(p, ctx());
  assert.equal(ok.allowed, true);
  assert.equal(ok.decision, 'allow');
  const other = evaluateTrustPolicy(p, ctx({ sub: 'system:serviceaccount:default:other' }));
  assert.equal(other.allowed, false);
  assert.equal(other.decision, 'implicit-deny');
  assert.match(
    other.reason,
    /StringEquals on issuer\.example\.com\/cluster:sub wants "system:serviceaccount:default:app", token has "system:serviceaccount:default:other"/,
  );
});

test('condition keys are case-insensitive, values case-sensitive', () => {
  assert.equal(allowed({ StringEquals: { 'ISSUER.EXAMPLE.COM/CLUSTER:SUB': SUB } }), true);
  assert.equal(allowed({ StringEquals: { [`${HOST}:sub`]: SUB.toUpperCase() } }), false);
});

test('StringEquals / StringNotEquals: OR within values, AND across keys and operators', () => {
  assert.equal(allowed({ StringEquals: { [`${HOST}:sub`]: ['x', SUB] } }), true);
  assert.equal(allowed({ StringEquals: { [`${HOST}:sub`]: SUB, [`${HOST}:aud`]: 'other' } }), false);
  assert.equal(
    allowed({ StringEquals: { [`${HOST}:sub`]: SUB }, StringNotEquals: { [`${HOST}:aud`]: 'sts.amazonaws.com' } }),
    false,
  );
  assert.equal(allowed({ StringNotEquals: { [`${HOST}:sub`]: ['a', 'b'] } }), true);
  assert.equal(allowed({ StringNotEquals: { [`${HOST}:sub`]: ['a', SUB] } }), false);
});

test('StringLike / StringNotLike with * and ? (case-sensitive, anchored, regex characters literal)', () => {
  assert.equal(allowed({ StringLike: { [`${HOST}:sub`]: 'system:serviceaccount:default:*' } }), true);
  assert.equal(allowed({ StringLike: { [`${HOST}:sub`]: 'system:serviceaccount:defaul?:app' } }), true);
  assert.equal(allowed({ StringLike: { [`${HOST}:sub`]: 'system:serviceaccount:kube-system:*' } }), false);
  assert.equal(allowed({ StringLike: { [`${HOST}:sub`]: 'SYSTEM:*' } }), false);
  assert.equal(allowed({ StringLike: { [`${HOST}:sub`]: 'system:serviceaccount' } }), false, 'anchored');
  assert.equal(
    allowed({ StringLike: { [`${HOST}:sub`]: 'system.serviceaccount.default.app' } }),
    false,
    '. is literal',
  );
  assert.equal(allowed({ StringNotLike: { [`${HOST}:sub`]: '*:kube-system:*' } }), true);
  assert.equal(allowed({ StringNotLike: { [`${HOST}:sub`]: '*:default:*' } }), false);
  // A wildcard under StringEquals is literal (a classic AccessDenied cause).
  assert.equal(allowed({ StringEquals: { [`${HOST}:sub`]: 'system:serviceaccount:default:*' } }), false);
});

test('StringEqualsIgnoreCase / StringNotEqualsIgnoreCase', () => {
  assert.equal(allowed({ StringEqualsIgnoreCase: { [`${HOST}:sub`]: SUB.toUpperCase() } }), true);
  assert.equal(allowed({ StringEqualsIgnoreCase: { [`${HOST}:sub`]: 'nope' } }), false);
  assert.equal(allowed({ StringNotEqualsIgnoreCase: { [`${HOST}:sub`]: SUB.toUpperCase() } }), false);
  assert.equal(allowed({ StringNotEqualsIgnoreCase: { [`${HOST}:sub`]: 'nope' } }), true);
});

test('missing keys: positive operators fail, negated hold, IfExists holds', () => {
  const c = ctx({ azp: undefined });
  assert.equal(allowed({ StringEquals: { [`${HOST}:azp`]: 'x' } }, c), false);
  assert.equal(allowed({ StringLike: { [`${HOST}:azp`]: '*' } }, c), false);
  assert.equal(allowed({ StringNotEquals: { [`${HOST}:azp`]: 'x' } }, c), true);
  assert.equal(allowed({ StringNotLike: { [`${HOST}:azp`]: 'x' } }, c), true);
  assert.equal(allowed({ StringEqualsIfExists: { [`${HOST}:azp`]: 'x' } }, c), true);
  // IfExists still checks a present key.
  assert.equal(allowed({ StringEqualsIfExists: { [`${HOST}:sub`]: 'x' } }), false);
  assert.equal(allowed({ StringEqualsIfExists: { [`${HOST}:sub`]: SUB } }), true);
  assert.equal(allowed({ StringEqualsIfExists: { [`${HOST}:azp`]: 'client' } }, ctx({ azp: 'other' })), false);
});

test('Null: true = key absent, false = key present', () => {
  assert.equal(allowed({ Null: { [`${HOST}:azp`]: 'true' } }), true);
  assert.equal(allowed({ Null: { [`${HOST}:azp`]: true } }), true);
  assert.equal(allowed({ Null: { [`${HOST}:azp`]: 'false' } }), false);
  assert.equal(allowed({ Null: { [`${HOST}:sub`]: 'false' } }), true);
  assert.equal(allowed({ Null: { [`${HOST}:sub`]: 'true' } }), false);
});

test('ForAnyValue / ForAllValues on the multi-valued amr key', () => {
  assert.equal(allowed({ 'ForAnyValue:StringEquals': { [`${HOST}:amr`]: 'mfa' } }), true);
  assert.equal(allowed({ 'ForAnyValue:StringEquals': { [`${HOST}:amr`]: ['otp', 'hwk'] } }), false);
  assert.equal(allowed({ 'ForAllValues:StringEquals': { [`${HOST}:amr`]: ['pwd', 'mfa', 'otp'] } }), true);
  assert.equal(allowed({ 'ForAllValues:StringEquals': { [`${HOST}:amr`]: ['pwd'] } }), false);
  assert.equal(allowed({ 'ForAnyValue:StringLike': { [`${HOST}:amr`]: 'm*' } }), true);
  // ForAnyValue:StringNotEquals: at least one value outside the set.
  assert.equal(allowed({ 'ForAnyValue:StringNotEquals': { [`${HOST}:amr`]: 'pwd' } }), true);
  assert.equal(allowed({ 'ForAnyValue:StringNotEquals': { [`${HOST}:amr`]: ['pwd', 'mfa'] } }), false);
  // ForAllValues:StringNotEquals: no value in the set.
  assert.equal(allowed({ 'ForAllValues:StringNotEquals': { [`${HOST}:amr`]: ['otp'] } }), true);
  assert.equal(allowed({ 'ForAllValues:StringNotEquals': { [`${HOST}:amr`]: ['mfa'] } }), false);
  // Missing key: ForAllValues holds vacuously, ForAnyValue fails.
  const noAmr = ctx({ amr: undefined });
  assert.equal(allowed({ 'ForAllValues:StringEquals': { [`${HOST}:amr`]: 'mfa' } }, noAmr), true);
  assert.equal(allowed({ 'ForAnyValue:StringEquals': { [`${HOST}:amr`]: 'mfa' } }, noAmr), false);
  assert.equal(allowed({ 'ForAnyValue:StringEqualsIfExists': { [`${HOST}:amr`]: 'mfa' } }, noAmr), true);
  // Without a set prefix a multi-valued key matches when any value does; negated when none does.
  assert.equal(allowed({ StringEquals: { [`${HOST}:amr`]: 'mfa' } }), true);
  assert.equal(allowed({ StringNotEquals: { [`${HOST}:amr`]: 'mfa' } }), false);
  // A single string amr is a one-element set.
  assert.equal(allowed({ 'ForAnyValue:StringEquals': { [`${HOST}:amr`]: 'pwd' } }, ctx({ amr: 'pwd' })), true);
});

test('parseOperator splits prefix and IfExists', () => {
  assert.deepEqual(parseOperator('ForAnyValue:StringLikeIfExists'), {
    set: 'ForAnyValue',
    base: 'StringLike',
    ifExists: true,
  });
  assert.deepEqual(parseOperator('Null'), { set: undefined, base: 'Null', ifExists: false });
});

test('operators not evaluated here never match (documented), whatever the statement effect', () => {
  const r = evaluateTrustPolicy(policy({ NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }), ctx());
  assert.equal(r.allowed, false);
  assert.match(r.reason, /NumericLessThan on aws:MultiFactorAuthAge is not evaluated/);
  const deny = {
    Statement: [policy().Statement, { Effect: 'Deny', Principal: '*', Action: '*', Condition: { Bogus: { k: 'v' } } }],
  };
  assert.equal(evaluateTrustPolicy(deny, ctx()).allowed, true);
});

test('Deny wins over Allow; no Allow is an implicit deny', () => {
  const p = {
    Version: '2012-10-17',
    Statement: [
      policy().Statement,
      {
        Sid: 'NoDefault',
        Effect: 'Deny',
        Principal: { Federated: PROVIDER },
        Action: 'sts:*',
        Condition: { StringLike: { [`${HOST}:sub`]: 'system:serviceaccount:default:*' } },
      },
    ],
  };
  const r = evaluateTrustPolicy(p, ctx());
  assert.equal(r.allowed, false);
  assert.equal(r.decision, 'explicit-deny');
  assert.match(r.reason, /statement 2 \(Sid "NoDefault"\) denies sts:AssumeRoleWithWebIdentity/);
  assert.equal(evaluateTrustPolicy({ Version: '2012-10-17', Statement: [] }, ctx()).decision, 'implicit-deny');
});

test('principals: Federated string or list, "*" and {"AWS":"*"} admit anyone, other providers do not', () => {
  const other = 'arn:aws:iam::111122223333:oidc-provider/other.example.com';
  const with_ = (principal: unknown) => evaluateTrustPolicy(policy(undefined, { Principal: principal }), ctx()).allowed;
  assert.equal(with_({ Federated: PROVIDER }), true);
  assert.equal(with_({ Federated: [other, PROVIDER] }), true);
  assert.equal(with_({ Federated: other }), false);
  assert.equal(with_('*'), true);
  assert.equal(with_({ AWS: '*' }), true);
  assert.equal(with_({ AWS: 'arn:aws:iam::111122223333:root' }), false);
  assert.equal(with_({ Service: 'ec2.amazonaws.com' }), false);
  const r = evaluateTrustPolicy(policy(undefined, { Principal: { Federated: other } }), ctx());
  assert.match(
    r.reason,
    /Principal .* does not admit the token's provider arn:aws:iam::111122223333:oidc-provider\/issuer/,
  );
  // NotPrincipal in a Deny: denies everyone not listed.
  const deny = (listed: string) => ({
    Statement: [policy().Statement, { Effect: 'Deny', NotPrincipal: { Federated: listed }, Action: '*' }],
  });
  assert.equal(evaluateTrustPolicy(deny(other), ctx()).allowed, false);
  assert.equal(evaluateTrustPolicy(deny(PROVIDER), ctx()).allowed, true);
});

test('actions: wildcards, case-insensitive, NotAction', () => {
  const with_ = (more: Record<string, unknown>) => {
    const p = policy();
    const s: Record<string, unknown> = { ...p.Statement };
    delete s.Action;
    return evaluateTrustPolicy({ Statement: { ...s, ...more } }, ctx()).allowed;
  };
  assert.equal(with_({ Action: 'sts:AssumeRoleWithWebIdentity' }), true);
  assert.equal(with_({ Action: 'STS:assumerolewithwebidentity' }), true);
  assert.equal(with_({ Action: 'sts:AssumeRole*' }), true);
  assert.equal(with_({ Action: '*' }), true);
  assert.equal(with_({ Action: ['sts:TagSession', 'sts:AssumeRoleWith???Identity'] }), true);
  assert.equal(with_({ Action: 'sts:AssumeRole' }), false);
  assert.equal(with_({ Action: 'sts:AssumeRoleWithSAML' }), false);
  assert.equal(with_({ NotAction: 'sts:AssumeRole' }), true);
  assert.equal(with_({ NotAction: 'sts:*' }), false);
});

test('sts:RoleSessionName is a context key', () => {
  assert.equal(allowed({ StringLike: { 'sts:RoleSessionName': 'session-*' } }), true);
  assert.equal(allowed({ StringLike: { 'sts:rolesessionname': 'x-*' } }), false);
});

test('a policy that is not JSON is an implicit deny, not an exception', () => {
  assert.equal(evaluateTrustPolicy('{not json', ctx()).decision, 'implicit-deny');
});

test('validateTrustPolicy: accepts the EKS policy, rejects with IAM texts', () => {
  const good = JSON.stringify(policy({ StringEquals: { [`${HOST}:sub`]: SUB } }));
  assert.equal(validateTrustPolicy(good).ok, true);
  const err = (doc: unknown) => {
    const v = validateTrustPolicy(typeof doc === 'string' ? doc : JSON.stringify(doc));
    assert.equal(v.ok, false, JSON.stringify(doc));
    return v.ok ? undefined : v.error;
  };
  const s = policy().Statement as Record<string, unknown>;
  const without = (k: string) => {
    const c = { ...s };
    delete c[k];
    return { Version: '2012-10-17', Statement: [c] };
  };
  assert.deepEqual(err('{"Version":'), {
    code: 'MalformedPolicyDocument',
    status: 400,
    message: 'Syntax errors in policy.',
    type: 'Sender',
  });
  assert.equal(err(without('Principal'))?.message, 'Missing required field Principal');
  assert.equal(err(without('Effect'))?.message, 'Missing required field Effect');
  assert.equal(err(without('Action'))?.message, 'Missing required field Action');
  assert.equal(
    err({ Version: '2012-10-17', Statement: [{ ...s, Resource: '*' }] })?.message,
    'Has prohibited field Resource',
  );
  assert.equal(err({ Version: '2012-10-18', Statement: [s] })?.message, 'The policy failed legacy parsing');
  assert.equal(err({ Version: '2012-10-17' })?.message, 'Missing required field Statement');
  assert.equal(err({ Statement: [{ ...s, Effect: 'Permit' }] })?.message, 'Invalid effect: Permit');
  assert.equal(
    err({ Statement: [{ ...s, Action: 's3:GetObject' }] })?.message,
    'AssumeRole policy may only specify STS AssumeRole actions.',
  );
  assert.equal(
    err({ Statement: [{ ...s, Principal: { Federated: 'oidc.example.com' } }] })?.message,
    'Invalid principal in policy: "Federated":"oidc.example.com"',
  );
  assert.equal(
    err({ Statement: [{ ...s, Condition: { StringEqualz: { k: 'v' } } }] })?.message,
    'Invalid Condition type : StringEqualz',
  );
  assert.equal(
    err({ Statement: [{ ...s, Condition: { StringEquals: { k: { nested: 1 } } } }] })?.message,
    'Syntax errors in policy.',
  );
  assert.equal(err({ Statement: [{ ...s, Sid: 'has space' }] })?.code, 'MalformedPolicyDocument');
  const notPrincipalAllow: Record<string, unknown> = { ...s, NotPrincipal: s.Principal };
  delete notPrincipalAllow.Principal;
  assert.equal(err({ Statement: [notPrincipalAllow] })?.code, 'MalformedPolicyDocument');
  // Valid IAM operators this evaluator does not evaluate are still accepted.
  assert.equal(validateTrustPolicy(JSON.stringify(policy({ Bool: { 'aws:SecureTransport': 'true' } }))).ok, true);
  assert.equal(
    validateTrustPolicy(JSON.stringify(policy({ 'ForAnyValue:StringLikeIfExists': { [`${HOST}:amr`]: 'm*' } }))).ok,
    true,
  );
});

test('validateTrustPolicy: size quota counts characters without white space', () => {
  const values = Array.from({ length: 60 }, (_, i) => `system:serviceaccount:ns${i}:sa`);
  const big = JSON.stringify(policy({ StringEquals: { [`${HOST}:sub`]: values } }), null, 2);
  assert.ok(trustPolicySize(big) > 2048);
  const v = validateTrustPolicy(big);
  assert.equal(v.ok, false);
  assert.deepEqual(v.ok ? undefined : v.error, {
    code: 'LimitExceeded',
    status: 409,
    message: 'Cannot exceed quota for ACLSizePerRole: 2048',
    type: 'Sender',
  });
  assert.equal(validateTrustPolicy(big, { maxLength: 8192 }).ok, true);
  // Pretty-printing does not count.
  const small = JSON.stringify(policy(), null, 8);
  assert.equal(trustPolicySize(small), JSON.stringify(policy()).length);
});

test('IAM wildcards match as the anchored regex would, without one (property, and a pathological pattern)', () => {
  const regex = (pattern: string, ignoreCase: boolean) =>
    new RegExp(
      `^${pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`))}$`,
      ignoreCase ? 'is' : 's',
    );
  const chars = fc.constantFrom('a', 'b', 'A', '*', '?', '.', '/', ':', '\\', '$', '(');
  const text = (max: number) => fc.array(chars, { maxLength: max }).map((c) => c.join(''));
  fc.assert(
    fc.property(text(8), text(12), fc.boolean(), (pattern, value, ignoreCase) => {
      assert.equal(
        wildcardMatch(pattern, value, ignoreCase),
        regex(pattern, ignoreCase).test(value),
        `${pattern} ~ ${value}`,
      );
    }),
    { seed: 17, numRuns: 5000 },
  );
  // Stars that make a backtracking regex explode stay linear-ish here (pattern × value steps at most).
  const started = performance.now();
  assert.equal(wildcardMatch(`${'*a'.repeat(30)}b`, 'a'.repeat(20_000)), false);
  assert.ok(performance.now() - started < 2000);
});
