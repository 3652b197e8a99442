/**
 * low: a `:sub` pattern that admits every ServiceAccount of one namespace (`system:serviceaccount:<ns>:*`): often
 * meant, reported so it stays a decision.
 */
import { type AuditFacts, inScope, statementFinding, where } from '../facts.js';
import { SERVICE_ACCOUNT_PLACEHOLDER, scopedFix, scopeOf } from '../fix.js';
import { RULES } from '../rule-table.js';
import type { Finding } from '../types.js';

export function namespaceWideSubject(facts: AuditFacts): Finding[] {
  return inScope(facts)
    .filter((st) => !st.probe.anyNamespace && st.probe.namespaces.length === 1 && st.probe.names.length > 1)
    .map((st) => {
      const ns = st.probe.namespaces[0];
      return statementFinding(
        RULES.namespaceWideSubject,
        st,
        `${where(st)} admits every ServiceAccount of namespace ${ns}, present and future`,
        scopedFix(
          st.providerArn,
          st.providerUrl,
          { ...scopeOf(st), namespace: ns, serviceAccount: SERVICE_ACCOUNT_PLACEHOLDER },
          'keep it if every ServiceAccount of the namespace is meant; else name the one that needs the role',
        ),
      );
    });
}
