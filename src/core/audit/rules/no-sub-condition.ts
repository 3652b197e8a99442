/** high: a web-identity statement with no `:sub` condition, so any ServiceAccount of the cluster gets the role. */
import { type AuditFacts, inScope, statementFinding, where } from '../facts.js';
import { scopedFix, scopeOf } from '../fix.js';
import { RULES } from '../rule-table.js';
import type { Finding } from '../types.js';

export function noSubCondition(facts: AuditFacts): Finding[] {
  return inScope(facts)
    .filter((st) => st.probe.anyNamespace && !st.hasSubKey)
    .map((st) =>
      statementFinding(
        RULES.subjectUnrestricted,
        st,
        `${where(st)} trusts ${st.providerUrl} with no sub condition${st.hasAudKey ? ' (aud only)' : ''}: ` +
          'a token of any ServiceAccount in any namespace of that cluster can assume it',
        scopedFix(
          st.providerArn,
          st.providerUrl,
          scopeOf(st),
          'replace the statement with one scoped to the ServiceAccount that needs the role (sub and aud, StringEquals)',
        ),
      ),
    );
}
