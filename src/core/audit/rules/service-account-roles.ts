/**
 * medium (--kubeconfig): a ServiceAccount whose role-arn annotation names a role the account does not have
 * (service-account-role-missing), or a role whose trust admits no token of that ServiceAccount, through any
 * provider the role trusts (service-account-not-trusted). Roles of another account are noted, not judged.
 */
import { parseRoleArn } from '../../aws/arn.js';
import { DEFAULT_AUDIENCE } from '../../defaults.js';
import { SUBJECT_PREFIX } from '../../tokens/claims.js';
import type { AuditFacts } from '../facts.js';
import { scopedFix } from '../fix.js';
import { admitted } from '../probe.js';
import { RULES } from '../rule-table.js';
import type { AuditRole, AuditServiceAccount, Finding } from '../types.js';
import { webIdentityStatements } from '../web-identity.js';

export function serviceAccountRoles(facts: AuditFacts): Finding[] {
  const byName = new Map(facts.input.roles.map((r) => [r.name.toLowerCase(), r]));
  const out: Finding[] = [];
  for (const sa of facts.input.serviceAccounts ?? []) {
    const arn = parseRoleArn(sa.roleArn);
    if (!arn || arn.accountId !== facts.input.accountId) continue;
    const role = byName.get(arn.name.toLowerCase());
    const finding = role ? notTrusted(facts, sa, role) : missing(sa);
    if (finding) out.push(finding);
  }
  return out;
}

/** ServiceAccounts the audit could not judge: their annotation names no role ARN, or a role of another account. */
export function unjudgedServiceAccounts(facts: AuditFacts): string[] {
  return (facts.input.serviceAccounts ?? []).flatMap((sa) => {
    const arn = parseRoleArn(sa.roleArn);
    if (!arn) return [`ServiceAccount ${label(sa)}: role-arn ${JSON.stringify(sa.roleArn)} is not a role ARN`];
    if (arn.accountId !== facts.input.accountId) {
      return [`ServiceAccount ${label(sa)} names a role of account ${arn.accountId}, not the audited one: not judged`];
    }
    return [];
  });
}

function missing(sa: AuditServiceAccount): Finding {
  return {
    severity: RULES.serviceAccountRoleMissing.severity,
    rule: RULES.serviceAccountRoleMissing.id,
    role: sa.roleArn,
    serviceAccount: label(sa),
    statement: null,
    message: `ServiceAccount ${label(sa)} names role ${sa.roleArn}, which does not exist: its pods get no credentials`,
    fix: { text: 'fix the role-arn annotation, or create the role (irsa apply, or irsa iam trust-policy)' },
  };
}

function notTrusted(facts: AuditFacts, sa: AuditServiceAccount, role: AuditRole): Finding | undefined {
  const sub = `${SUBJECT_PREFIX}${sa.namespace}:${sa.name}`;
  const aud = sa.audience ?? DEFAULT_AUDIENCE;
  const statements = webIdentityStatements(role);
  if (statements.some((st) => admitted(st, sub, aud))) return undefined;
  const first = statements.find((st) => facts.providers.has(st.providerArn)) ?? statements[0];
  const scope = { namespace: sa.namespace, serviceAccount: sa.name, audiences: [aud] };
  const text = 'add a statement for this ServiceAccount to the role (or point the annotation at the right role)';
  return {
    severity: RULES.serviceAccountNotTrusted.severity,
    rule: RULES.serviceAccountNotTrusted.id,
    role: role.arn,
    serviceAccount: label(sa),
    statement: null,
    message:
      `ServiceAccount ${label(sa)} names role ${role.name}, whose trust admits no token of it ` +
      `(sub ${sub}, aud ${aud}${statements.length ? '' : '; the role trusts no OIDC provider'})`,
    fix: first ? scopedFix(first.providerArn, first.providerUrl, scope, text) : { text },
  };
}

function label(sa: AuditServiceAccount): string {
  return `${sa.namespace}/${sa.name}`;
}
