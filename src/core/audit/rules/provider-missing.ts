/** medium: a web-identity statement naming an OIDC provider the account does not have (deleted, or never made). */
import { type AuditFacts, inScope, statementFinding, where } from '../facts.js';
import { RULES } from '../rule-table.js';
import type { Finding } from '../types.js';

export function providerMissing(facts: AuditFacts): Finding[] {
  return inScope(facts)
    .filter((st) => st.provider === undefined)
    .map((st) =>
      statementFinding(
        RULES.providerMissing,
        st,
        `${where(st)} trusts ${st.providerArn}, which is not in the account: whoever creates a provider for ` +
          `${st.providerUrl} later, and controls that issuer, can assume the role`,
        {
          text: 'remove the statement (or the role) if that cluster is gone; re-create the provider only if the issuer is yours',
          command: `aws iam get-role --role-name ${st.role.name} --query Role.AssumeRolePolicyDocument`,
        },
      ),
    );
}
