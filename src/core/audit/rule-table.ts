/**
 * Every audit rule once: its id, severity, one-line title and the help text a reader (or GitHub code scanning, via
 * SARIF) shows. The rules themselves are in rules/*.ts; this table is their catalogue.
 */
import type { Severity } from './types.js';

export interface RuleInfo {
  id: string;
  severity: Severity;
  title: string;
  help: string;
}

export const RULES = {
  subjectUnrestricted: {
    id: 'no-sub-condition',
    severity: 'high',
    title: 'no sub condition: every ServiceAccount of the cluster can assume the role',
    help:
      'A trust statement for an OIDC provider without a condition on `<issuer>:sub` admits a token of any ' +
      'ServiceAccount in any namespace of the cluster (an `aud` condition does not narrow who). Scope it with ' +
      'StringEquals on `<issuer>:sub` = `system:serviceaccount:<namespace>:<name>` and on `<issuer>:aud`, as ' +
      '`irsa iam trust-policy` prints it.',
  },
  subjectSpansNamespaces: {
    id: 'sub-spans-namespaces',
    severity: 'high',
    title: 'a subject wildcard spans namespaces',
    help:
      'A `StringLike` (or `ForAnyValue:StringLike`) pattern on `<issuer>:sub` such as `system:serviceaccount:*` or ' +
      '`system:serviceaccount:*:app` admits ServiceAccounts of several namespaces: whoever can create a namespace or ' +
      'a ServiceAccount there gets the role. Name one namespace and one ServiceAccount with StringEquals.',
  },
  audienceUnrestricted: {
    id: 'no-aud-condition',
    severity: 'medium',
    title: 'no aud condition',
    help:
      'Without a condition on `<issuer>:aud` the role accepts tokens minted for any client ID the provider lists, ' +
      'including audiences meant for other systems. Add StringEquals on `<issuer>:aud` (normally sts.amazonaws.com).',
  },
  providerMissing: {
    id: 'provider-missing',
    severity: 'medium',
    title: 'the role trusts an OIDC provider that does not exist',
    help:
      'The statement names an IAM OIDC provider that is not in the account (deleted, or never made). Whoever creates ' +
      'a provider with that URL later, and controls the issuer, can assume the role. Remove the statement, or ' +
      're-create the provider only if the issuer is yours.',
  },
  providerUnused: {
    id: 'provider-unused',
    severity: 'low',
    title: 'an OIDC provider no role trusts',
    help: 'No role of the account trusts this provider. Delete it if nothing will use it: an unused trust anchor is attack surface.',
  },
  clientIdUnused: {
    id: 'client-id-unused',
    severity: 'low',
    title: "a provider client ID no role's aud condition uses",
    help: 'The provider accepts tokens for a client ID that no role trusting it names in its `aud` condition. Remove the client ID if nothing needs it.',
  },
  namespaceWideSubject: {
    id: 'namespace-wide-subject',
    severity: 'low',
    title: 'every ServiceAccount of one namespace can assume the role',
    help:
      'A pattern like `system:serviceaccount:<namespace>:*` admits every ServiceAccount of the namespace, present and ' +
      'future. This is often written on purpose; if one ServiceAccount is meant, name it with StringEquals.',
  },
  serviceAccountRoleMissing: {
    id: 'service-account-role-missing',
    severity: 'medium',
    title: 'a ServiceAccount names a role that does not exist',
    help:
      "The ServiceAccount's role-arn annotation names a role that is not in the account: its pods get no credentials " +
      '(AccessDenied), and whoever creates a role of that name later serves them. Fix the annotation or create the role.',
  },
  serviceAccountNotTrusted: {
    id: 'service-account-not-trusted',
    severity: 'medium',
    title: 'a ServiceAccount names a role whose trust does not admit it',
    help:
      "The role named by the ServiceAccount's role-arn annotation exists, but its trust policy admits no token of " +
      'that ServiceAccount (subject or audience differ): its pods fail with AccessDenied. Add a scoped statement for it.',
  },
} as const satisfies Record<string, RuleInfo>;

export const RULE_LIST: readonly RuleInfo[] = Object.values(RULES);
