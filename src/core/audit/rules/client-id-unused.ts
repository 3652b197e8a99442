/**
 * low: a client ID of a trusted provider that no trusting statement's `:aud` condition names. Not told when one
 * statement has no aud condition (that one accepts every client ID; no-aud-condition says so).
 */
import type { AuditFacts } from '../facts.js';
import { RULES } from '../rule-table.js';
import type { Finding } from '../types.js';

export function clientIdUnused(facts: AuditFacts): Finding[] {
  const only = facts.input.providerArn;
  const out: Finding[] = [];
  for (const p of facts.providers.values()) {
    if (only !== undefined && p.arn !== only) continue;
    const trusting = facts.statements.filter((s) => s.providerArn === p.arn);
    if (trusting.length === 0 || trusting.some((s) => s.probe.anyAudience)) continue;
    const used = new Set(trusting.flatMap((s) => s.audValues));
    for (const id of p.clientIds.filter((c) => !used.has(c))) {
      out.push({
        severity: RULES.clientIdUnused.severity,
        rule: RULES.clientIdUnused.id,
        role: null,
        provider: p.arn,
        statement: null,
        message: `client ID ${JSON.stringify(id)} of OIDC provider ${p.url} is named by no role's aud condition`,
        fix: {
          text: 'remove the client ID if nothing needs it',
          command: `aws iam remove-client-id-from-open-id-connect-provider --open-id-connect-provider-arn ${p.arn} --client-id ${id}`,
        },
      });
    }
  }
  return out;
}
