import { DEFAULT_AUDIENCE } from '../defaults.js';
import { E, IrsaError } from '../errors.js';
import { subjectFor } from '../tokens/claims.js';
import { stripScheme } from './arn.js';
import { samePolicyDocument } from './policy-normalize.js';

/**
 * THE scoped IRSA trust policy: the provider as `Principal.Federated`, only `sts:AssumeRoleWithWebIdentity`, and
 * ALWAYS both conditions — `<host/path>:sub` (which service account) and `<host/path>:aud` (which audience). A
 * policy without the `aud` condition would also admit tokens minted for any other audience the provider lists.
 */
export interface TrustPolicyStatement {
  Effect: 'Allow' | 'Deny';
  Principal: { Federated: string | string[] };
  Action: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
  Sid?: string;
}

export interface TrustPolicyDocument {
  Version: '2012-10-17';
  Statement: TrustPolicyStatement[];
}

export interface ScopedTrust {
  /** `arn:<partition>:iam::<account>:oidc-provider/<host/path>`. */
  providerArn: string;
  /** The provider URL exactly as registered (`https://host/path`); the condition keys are built from it. */
  providerUrl: string;
  /** One namespace, or `'*'` for every namespace (then `StringLike` on `:sub`). */
  namespace: string;
  /**
   * One service account, or `'*'` for every service account of the namespace (then `StringLike` on `:sub`; `:aud`
   * stays `StringEquals`).
   */
  serviceAccount: string;
  /** Default `sts.amazonaws.com`; several = any of them (one condition key, a list of values). */
  audience?: string | readonly string[];
}

export const WEB_IDENTITY_ACTION = 'sts:AssumeRoleWithWebIdentity';

/** The condition key prefix IAM uses for an OIDC provider: its URL without `https://` (trailing slash kept). */
export function conditionKeyPrefix(providerUrl: string): string {
  return stripScheme(providerUrl);
}

/** Whether a trust needs `StringLike` on `:sub`: a `*` namespace or service account, written explicitly. */
export function isWildcardTrust(trust: Pick<ScopedTrust, 'namespace' | 'serviceAccount'>): boolean {
  return trust.namespace === '*' || trust.serviceAccount === '*';
}

function checkScopePart(value: string, what: string): void {
  if (!value || value.includes(':')) {
    throw new IrsaError(E.ERR_TRUST_SCOPE, `${what} ${JSON.stringify(value)} cannot scope a trust policy`);
  }
  if (value.includes('*') && value !== '*') {
    throw new IrsaError(
      E.ERR_TRUST_SCOPE,
      `${what} ${value}: only "*" (every ${what}) is supported as a wildcard, written alone`,
    );
  }
}

function audiences(trust: ScopedTrust): string | string[] {
  const list = trust.audience === undefined ? [DEFAULT_AUDIENCE] : [trust.audience].flat();
  if (list.length === 0 || list.some((a) => !a)) {
    throw new IrsaError(E.ERR_TRUST_SCOPE, 'a trust policy needs a non-empty audience');
  }
  return list.length === 1 ? list[0] : [...list];
}

export function scopedTrustStatement(trust: ScopedTrust): TrustPolicyStatement {
  const prefix = conditionKeyPrefix(trust.providerUrl);
  checkScopePart(trust.namespace, 'namespace');
  checkScopePart(trust.serviceAccount, 'service account');
  const sub = subjectFor(trust.namespace, trust.serviceAccount);
  const aud = { [`${prefix}:aud`]: audiences(trust) };
  const Condition: Record<string, Record<string, string | string[]>> = isWildcardTrust(trust)
    ? { StringEquals: aud, StringLike: { [`${prefix}:sub`]: sub } }
    : { StringEquals: { [`${prefix}:sub`]: sub, ...aud } };
  return {
    Effect: 'Allow',
    Principal: { Federated: trust.providerArn },
    Action: WEB_IDENTITY_ACTION,
    Condition,
  };
}

/** A whole trust policy for one or more scoped trusts (one statement each: several clusters, several SAs). */
export function buildTrustPolicy(trusts: ScopedTrust | readonly ScopedTrust[]): TrustPolicyDocument {
  const list = Array.isArray(trusts) ? trusts : [trusts as ScopedTrust];
  if (list.length === 0) throw new IrsaError(E.ERR_TRUST_SCOPE, 'a trust policy needs at least one trust');
  return { Version: '2012-10-17', Statement: list.map(scopedTrustStatement) };
}

/** The policy as IAM stores it (compact JSON). */
export function serializePolicy(doc: unknown): string {
  return JSON.stringify(doc);
}

/**
 * Whether two policy documents mean the same (IAM hands back what it was given, URL-encoded; other tools reformat):
 * key order, whitespace, a one-element list vs. its single value, the order of a list of values and the case of
 * condition keys do not count (core/aws/policy-normalize.ts).
 */
export function samePolicy(a: string | object, b: string | object): boolean {
  return samePolicyDocument(a, b);
}

/** IAM's GetRole returns the trust policy URL-encoded; other sources return it plain. */
export function decodePolicyDocument(document: string): string {
  const text = document.trimStart();
  if (text.startsWith('{')) return document;
  try {
    return decodeURIComponent(document);
  } catch {
    return document;
  }
}
