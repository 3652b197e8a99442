/**
 * The --kubeconfig side of the audit: each annotated ServiceAccount with the role of this account it names (or
 * undefined when there is none), and the ones that cannot be judged (no role ARN, another account's role).
 */
import { parseRoleArn } from '../aws/arn.js';
import type { AuditFacts } from './facts.js';
import type { AuditRole, AuditServiceAccount } from './types.js';

export function serviceAccountsOfAccount(facts: AuditFacts): { sa: AuditServiceAccount; role?: AuditRole }[] {
  const byName = new Map(facts.input.roles.map((r) => [r.name.toLowerCase(), r]));
  return (facts.input.serviceAccounts ?? []).flatMap((sa) => {
    const arn = parseRoleArn(sa.roleArn);
    if (!arn || arn.accountId !== facts.input.accountId) return [];
    const role = byName.get(arn.name.toLowerCase());
    return [role ? { sa, role } : { sa }];
  });
}

/** ServiceAccounts the audit could not judge: their annotation names no role ARN, or a role of another account. */
export function unjudgedServiceAccounts(facts: AuditFacts): string[] {
  return (facts.input.serviceAccounts ?? []).flatMap((sa) => {
    const arn = parseRoleArn(sa.roleArn);
    if (!arn) return [`ServiceAccount ${saLabel(sa)}: role-arn ${JSON.stringify(sa.roleArn)} is not a role ARN`];
    if (arn.accountId !== facts.input.accountId) {
      return [
        `ServiceAccount ${saLabel(sa)} names a role of account ${arn.accountId}, not the audited one: not judged`,
      ];
    }
    return [];
  });
}

export function saLabel(sa: AuditServiceAccount): string {
  return `${sa.namespace}/${sa.name}`;
}
