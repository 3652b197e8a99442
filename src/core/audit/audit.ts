/**
 * `irsa audit` decided: every rule of rules/ over the facts (facts.ts), findings ordered high → low, then by role
 * and statement. Pure: the shells read the account (src/io/aws/read-audit.ts) and the cluster.
 */
import { type AuditFacts, gatherFacts, type Rule } from './facts.js';
import { clientIdUnused } from './rules/client-id-unused.js';
import { namespaceWideSubject } from './rules/namespace-wide-subject.js';
import { noAudCondition } from './rules/no-aud-condition.js';
import { noSubCondition } from './rules/no-sub-condition.js';
import { providerMissing } from './rules/provider-missing.js';
import { providerUnused } from './rules/provider-unused.js';
import { serviceAccountNotTrusted } from './rules/service-account-not-trusted.js';
import { serviceAccountRoleMissing } from './rules/service-account-role-missing.js';
import { subSpansNamespaces } from './rules/sub-spans-namespaces.js';
import { unjudgedServiceAccounts } from './service-accounts.js';
import type { AuditInput, AuditResult, Finding, Severity } from './types.js';
import { statementsOf } from './web-identity.js';

export const AUDIT_RULES: readonly Rule[] = [
  noSubCondition,
  subSpansNamespaces,
  noAudCondition,
  providerMissing,
  serviceAccountRoleMissing,
  serviceAccountNotTrusted,
  providerUnused,
  clientIdUnused,
  namespaceWideSubject,
];

const RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

export function runAudit(input: AuditInput): AuditResult {
  const facts = gatherFacts(input);
  const findings = AUDIT_RULES.flatMap((rule) => rule(facts)).sort(byImportance);
  const counts: Record<Severity, number> = { high: 0, medium: 0, low: 0 };
  for (const f of findings) counts[f.severity]++;
  return {
    findings,
    notes: [...unreadable(facts), ...unjudgedServiceAccounts(facts)],
    counts,
    webIdentityRoles: new Set(facts.statements.map((s) => s.role.arn)).size,
    rolesRead: input.roles.length,
    providersRead: input.providers.length,
  };
}

function byImportance(a: Finding, b: Finding): number {
  return (
    RANK[a.severity] - RANK[b.severity] ||
    (a.role ?? '').localeCompare(b.role ?? '') ||
    (a.statement?.index ?? -1) - (b.statement?.index ?? -1) ||
    a.rule.localeCompare(b.rule)
  );
}

/** Roles whose trust policy is not a JSON document with statements: nothing could be judged. */
function unreadable(facts: AuditFacts): string[] {
  return facts.input.roles
    .filter((r) => statementsOf(r.trustPolicy).length === 0)
    .map((r) => `role ${r.name}: its trust policy is not a JSON policy with statements; not judged`);
}
