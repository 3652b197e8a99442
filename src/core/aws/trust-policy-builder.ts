import { DEFAULT_AUDIENCE } from '../defaults.js';
import { E, IrsaError } from '../errors.js';
import { SUBJECT_PREFIX } from '../tokens/claims.js';
import { stripScheme } from './arn.js';

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
  namespace: string;
  /**
   * One service account, or `'*'` for every service account of the namespace (then `StringLike` on `:sub`; `:aud`
   * stays `StringEquals`).
   */
  serviceAccount: string;
  /** Default `sts.amazonaws.com`. */
  audience?: string;
}

export const WEB_IDENTITY_ACTION = 'sts:AssumeRoleWithWebIdentity';

/** The condition key prefix IAM uses for an OIDC provider: its URL without `https://` (trailing slash kept). */
export function conditionKeyPrefix(providerUrl: string): string {
  return stripScheme(providerUrl);
}

export function scopedTrustStatement(trust: ScopedTrust): TrustPolicyStatement {
  const prefix = conditionKeyPrefix(trust.providerUrl);
  const audience = trust.audience ?? DEFAULT_AUDIENCE;
  if (!trust.namespace || trust.namespace.includes(':') || trust.namespace.includes('*')) {
    throw new IrsaError(E.ERR_TRUST_SCOPE, `namespace ${JSON.stringify(trust.namespace)} cannot scope a trust policy`);
  }
  if (!trust.serviceAccount || trust.serviceAccount.includes(':')) {
    throw new IrsaError(
      E.ERR_TRUST_SCOPE,
      `service account ${JSON.stringify(trust.serviceAccount)} cannot scope a trust policy`,
    );
  }
  if (!audience) throw new IrsaError(E.ERR_TRUST_SCOPE, 'a trust policy needs a non-empty audience');
  if (trust.serviceAccount.includes('*') && trust.serviceAccount !== '*') {
    throw new IrsaError(
      E.ERR_TRUST_SCOPE,
      `service account ${trust.serviceAccount}: only "*" (the whole namespace) is supported as a wildcard`,
    );
  }
  const sub = `${SUBJECT_PREFIX}${trust.namespace}:${trust.serviceAccount}`;
  const aud = { [`${prefix}:aud`]: audience };
  const Condition: Record<string, Record<string, string>> = trust.serviceAccount === '*'
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
 * key order, whitespace and a one-element list vs. its single value do not count.
 */
export function samePolicy(a: string | object, b: string | object): boolean {
  try {
    return (
      canonical(typeof a === 'string' ? JSON.parse(a) : a) === canonical(typeof b === 'string' ? JSON.parse(b) : b)
    );
  } catch {
    return false;
  }
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

function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 1) return canonical(value[0]);
    return `[${value.map(canonical).join(',')}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
