/**
 * The fix of a trust finding: the scoped statement `irsa iam trust-policy` prints (core/aws/trust-policy-builder.ts,
 * the one builder), for the namespace and ServiceAccount the statement seems meant for, `<namespace>` and
 * `<service-account>` where it names none, and the command that prints it.
 */
import { scopedTrustStatement } from '../aws/trust-policy-builder.js';
import { DEFAULT_AUDIENCE } from '../defaults.js';
import { subjectParts } from './probe.js';
import type { Fix } from './types.js';
import type { TrustStatement } from './web-identity.js';

export const NAMESPACE_PLACEHOLDER = '<namespace>';
export const SERVICE_ACCOUNT_PLACEHOLDER = '<service-account>';

export interface FixScope {
  namespace: string;
  serviceAccount: string;
  audiences: string[];
}

/** The scope a statement's own `:sub` and `:aud` values point at; wildcards become placeholders. */
export function scopeOf(st: TrustStatement): FixScope {
  const sub = st.subValues.map(subjectParts).find((p) => p !== undefined);
  const concrete = (v: string | undefined, placeholder: string) =>
    v === undefined || /[*?]/.test(v) || v.includes('${') ? placeholder : v;
  const audiences = st.audValues.filter((v) => !/[*?]/.test(v));
  return {
    namespace: concrete(sub?.namespace, NAMESPACE_PLACEHOLDER),
    serviceAccount: concrete(sub?.name, SERVICE_ACCOUNT_PLACEHOLDER),
    audiences: audiences.length ? [...new Set(audiences)] : [DEFAULT_AUDIENCE],
  };
}

export function scopedFix(providerArn: string, providerUrl: string, scope: FixScope, text: string): Fix {
  const statement = scopedTrustStatement({
    providerArn,
    providerUrl,
    namespace: scope.namespace,
    serviceAccount: scope.serviceAccount,
    audience: scope.audiences,
  });
  return { text, statement, command: trustPolicyCommand(providerArn, providerUrl, scope) };
}

function trustPolicyCommand(providerArn: string, providerUrl: string, scope: FixScope): string {
  const audiences = scope.audiences.filter((a) => a !== DEFAULT_AUDIENCE || scope.audiences.length > 1);
  return [
    'irsa iam trust-policy',
    `--issuer ${providerUrl}`,
    `--namespace ${quote(scope.namespace)}`,
    `--service-account ${quote(scope.serviceAccount)}`,
    `--provider-arn ${providerArn}`,
    ...audiences.map((a) => `--audience ${quote(a)}`),
  ].join(' ');
}

/** Shell-quoted when it holds anything but the characters of names. */
function quote(v: string): string {
  return /^[A-Za-z0-9._@:/=+-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}
