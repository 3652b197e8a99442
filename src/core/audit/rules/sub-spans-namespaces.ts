/**
 * high: a `:sub` condition whose pattern admits ServiceAccounts of more than one namespace (`system:serviceaccount:*`,
 * `*` in the namespace part, a negated operator), as the evaluator finds with probe subjects.
 */
import { type AuditFacts, inScope, statementFinding, where } from '../facts.js';
import { scopedFix, scopeOf } from '../fix.js';
import { RULES } from '../rule-table.js';
import type { Finding } from '../types.js';

export function subSpansNamespaces(facts: AuditFacts): Finding[] {
  return inScope(facts)
    .filter((st) => st.hasSubKey && (st.probe.anyNamespace || st.probe.namespaces.length > 1))
    .map((st) => {
      const patterns = st.subValues.map((v) => JSON.stringify(v)).join(', ') || 'its sub condition';
      const how = st.probe.anyNamespace ? 'any namespace' : 'several namespaces';
      return statementFinding(
        RULES.subjectSpansNamespaces,
        st,
        `${where(st)} admits ServiceAccounts of ${how} through ${patterns}: whoever can make a ServiceAccount ` +
          'in a matching namespace can assume the role',
        scopedFix(
          st.providerArn,
          st.providerUrl,
          scopeOf(st),
          'name one namespace and one ServiceAccount (StringEquals on sub), one statement per ServiceAccount',
        ),
      );
    });
}
