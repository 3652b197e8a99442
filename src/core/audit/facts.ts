/**
 * What every rule reads: the input, each web-identity trust statement with what the evaluator found it admits, and
 * the providers by ARN. Built once per audit (audit.ts); rules are functions of it.
 */
import { probeStatement, type StatementProbe } from './probe.js';
import type { RuleInfo } from './rule-table.js';
import type { AuditInput, AuditProvider, Finding, Fix } from './types.js';
import { type TrustStatement, webIdentityStatements } from './web-identity.js';

export interface ProbedStatement extends TrustStatement {
  probe: StatementProbe;
  /** The provider as IAM has it; undefined when the account has no provider of that ARN. */
  provider?: AuditProvider;
}

export interface AuditFacts {
  input: AuditInput;
  /** Every web-identity statement of every role (all providers, whatever --provider says). */
  statements: ProbedStatement[];
  providers: Map<string, AuditProvider>;
}

export type Rule = (facts: AuditFacts) => Finding[];

export function gatherFacts(input: AuditInput): AuditFacts {
  const providers = new Map(input.providers.map((p) => [p.arn, p]));
  const statements = input.roles.flatMap(webIdentityStatements).map((st): ProbedStatement => {
    const provider = providers.get(st.providerArn);
    return { ...st, probe: probeStatement(st, provider?.clientIds ?? []), ...(provider ? { provider } : {}) };
  });
  return { input, statements, providers };
}

/** Statements the audit reports on: those about --provider when given. */
export function inScope(facts: AuditFacts): ProbedStatement[] {
  const only = facts.input.providerArn;
  return only === undefined ? facts.statements : facts.statements.filter((s) => s.providerArn === only);
}

export function statementFinding(rule: RuleInfo, st: ProbedStatement, message: string, fix: Fix): Finding {
  return {
    severity: rule.severity,
    rule: rule.id,
    role: st.role.arn,
    provider: st.providerArn,
    statement: { index: st.index, json: st.json },
    message,
    fix,
  };
}

/** `statement 2 of role app@ns (arn…)`, for messages. */
export function where(st: TrustStatement): string {
  return `statement ${st.index} of role ${st.role.name}`;
}
