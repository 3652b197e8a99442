/** medium (--kubeconfig): a ServiceAccount whose role-arn annotation names a role of this account that does not exist. */
import type { AuditFacts } from '../facts.js';
import { RULES } from '../rule-table.js';
import { saLabel, serviceAccountsOfAccount } from '../service-accounts.js';
import type { Finding } from '../types.js';

export function serviceAccountRoleMissing(facts: AuditFacts): Finding[] {
  return serviceAccountsOfAccount(facts)
    .filter(({ role }) => role === undefined)
    .map(({ sa }) => ({
      severity: RULES.serviceAccountRoleMissing.severity,
      rule: RULES.serviceAccountRoleMissing.id,
      role: sa.roleArn,
      serviceAccount: saLabel(sa),
      statement: null,
      message: `ServiceAccount ${saLabel(sa)} names role ${sa.roleArn}, which does not exist: its pods get no credentials`,
      fix: { text: 'fix the role-arn annotation, or create the role (irsa apply, or irsa iam trust-policy)' },
    }));
}
