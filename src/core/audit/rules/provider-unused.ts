/** low: an OIDC provider of the account that no role's trust names. */
import type { AuditFacts } from '../facts.js';
import { RULES } from '../rule-table.js';
import type { Finding } from '../types.js';

export function providerUnused(facts: AuditFacts): Finding[] {
  const trusted = new Set(facts.statements.map((s) => s.providerArn));
  const only = facts.input.providerArn;
  return [...facts.providers.values()]
    .filter((p) => !trusted.has(p.arn) && (only === undefined || p.arn === only))
    .map((p) => ({
      severity: RULES.providerUnused.severity,
      rule: RULES.providerUnused.id,
      role: null,
      provider: p.arn,
      statement: null,
      message: `OIDC provider ${p.url} is trusted by no role of the account`,
      fix: {
        text: 'delete it if no cluster will use it',
        command: `aws iam delete-open-id-connect-provider --open-id-connect-provider-arn ${p.arn}`,
      },
    }));
}
