/**
 * The contract of `irsa audit`: what the shells read (roles with their trust policies, OIDC providers, and with
 * --kubeconfig the ServiceAccounts that name a role) and what the rules (rules/*.ts, one per file) return. Pure data.
 */
import type { TrustPolicyStatement } from '../aws/trust-policy-builder.js';

export type Severity = 'high' | 'medium' | 'low';

export interface AuditRole {
  name: string;
  arn: string;
  /** Parsed JSON, or the text when IAM holds something that is not JSON. */
  trustPolicy: unknown;
}

export interface AuditProvider {
  arn: string;
  /** `https://host/path`. */
  url: string;
  clientIds: string[];
}

/** A ServiceAccount whose `<prefix>/role-arn` annotation names a role. */
export interface AuditServiceAccount {
  namespace: string;
  name: string;
  roleArn: string;
  /** The `<prefix>/audience` annotation, when set (else the default audience). */
  audience?: string;
}

export interface AuditInput {
  /** The account audited (12 digits): ServiceAccounts naming a role of another account are not judged. */
  accountId: string;
  roles: readonly AuditRole[];
  providers: readonly AuditProvider[];
  /** Present only with --kubeconfig. */
  serviceAccounts?: readonly AuditServiceAccount[];
  /** --provider: only statements, providers and ServiceAccount checks about this provider ARN. */
  providerArn?: string;
}

/** How to repair a finding: the scoped statement `irsa iam trust-policy` prints, or what to run, in words. */
export interface Fix {
  text: string;
  statement?: TrustPolicyStatement;
  /** The command that prints `statement` (or does the fix). */
  command?: string;
}

export interface Finding {
  severity: Severity;
  rule: string;
  /** The role's ARN; null for findings about a provider alone. */
  role: string | null;
  /** The provider the finding is about, when there is one. */
  provider?: string;
  /** `namespace/name`, for --kubeconfig findings. */
  serviceAccount?: string;
  /** The trust statement: its 0-based index in the role's Statement list, and its JSON. */
  statement: { index: number; json: unknown } | null;
  message: string;
  fix: Fix;
}

export interface AuditResult {
  findings: Finding[];
  /** What was not judged, and why (a role of another account, an unreadable trust policy…). */
  notes: string[];
  counts: Record<Severity, number>;
  /** Roles whose trust names an OIDC provider, of all roles read. */
  webIdentityRoles: number;
  rolesRead: number;
  providersRead: number;
}
