/** medium: a web-identity statement that admits a token of an audience nobody uses (no `:aud` condition). */
import { type AuditFacts, inScope, statementFinding, where } from '../facts.js';
import { scopedFix, scopeOf } from '../fix.js';
import { RULES } from '../rule-table.js';
import type { Finding } from '../types.js';

export function noAudCondition(facts: AuditFacts): Finding[] {
  return inScope(facts)
    .filter((st) => st.probe.anyAudience)
    .map((st) =>
      statementFinding(
        RULES.audienceUnrestricted,
        st,
        `${where(st)} has no aud condition: tokens minted for any client ID of ${st.providerUrl} are accepted, ` +
          'not only those meant for AWS',
        scopedFix(st.providerArn, st.providerUrl, scopeOf(st), 'add StringEquals on the aud key (as below)'),
      ),
    );
}
