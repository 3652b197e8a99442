/**
 * medium (--kubeconfig): a ServiceAccount whose role-arn annotation names a role whose trust admits no token of it
 * (its subject, its audience annotation or sts.amazonaws.com) through any provider the role trusts.
 */
import { DEFAULT_AUDIENCE } from '../../defaults.js';
import { subjectFor } from '../../tokens/claims.js';
import type { AuditFacts } from '../facts.js';
import { scopedFix } from '../fix.js';
import { admitted } from '../probe.js';
import { RULES } from '../rule-table.js';
import { saLabel, serviceAccountsOfAccount } from '../service-accounts.js';
import type { AuditRole, AuditServiceAccount, Finding } from '../types.js';
import { webIdentityStatements } from '../web-identity.js';

export function serviceAccountNotTrusted(facts: AuditFacts): Finding[] {
  return serviceAccountsOfAccount(facts).flatMap(({ sa, role }) => {
    const finding = role ? judge(facts, sa, role) : undefined;
    return finding ? [finding] : [];
  });
}

function judge(facts: AuditFacts, sa: AuditServiceAccount, role: AuditRole): Finding | undefined {
  const sub = subjectFor(sa.namespace, sa.name);
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
    serviceAccount: saLabel(sa),
    statement: null,
    message:
      `ServiceAccount ${saLabel(sa)} names role ${role.name}, whose trust admits no token of it ` +
      `(sub ${sub}, aud ${aud}${statements.length ? '' : '; the role trusts no OIDC provider'})`,
    fix: first ? scopedFix(first.providerArn, first.providerUrl, scope, text) : { text },
  };
}
