/**
 * The statements of a role's trust policy that let an OIDC provider's tokens in: `Allow`, an Action that covers
 * sts:AssumeRoleWithWebIdentity and a `Federated` principal naming an `oidc-provider/` ARN (one entry per provider
 * when a statement names several). Whether the action and principal match is the sandbox STS evaluator's call
 * (core/sts/trust-policy.ts), so the audit and the sandbox read a policy one way.
 */
import { providerUrlOfArn, stripScheme } from '../aws/arn.js';
import { isObject } from '../json/is-object.js';
import { evaluateTrustPolicy, webIdentityContext } from '../sts/trust-policy.js';
import type { AuditRole } from './types.js';

export interface TrustStatement {
  role: AuditRole;
  /** 0-based, in the role's Statement list. */
  index: number;
  json: unknown;
  providerArn: string;
  providerUrl: string;
  /** Values of the statement's `<issuer>:sub` conditions, whatever the operator. */
  subValues: string[];
  /** Values of the `<issuer>:sub` conditions of every statement of the role (a Deny may narrow this one). */
  roleSubValues: string[];
  /** Values of its `<issuer>:aud` conditions. */
  audValues: string[];
  hasSubKey: boolean;
  hasAudKey: boolean;
}

/** The Statement list of a parsed policy (a single statement counts as a list of one). */
export function statementsOf(policy: unknown): unknown[] {
  if (!isObject(policy)) return [];
  const raw = policy.Statement;
  return Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
}

export function webIdentityStatements(role: AuditRole): TrustStatement[] {
  const out: TrustStatement[] = [];
  const all = statementsOf(role.trustPolicy);
  const subsOfRole = (url: string) =>
    all.flatMap((x) => (isObject(x) ? conditionValues(x.Condition, url, 'sub').values : []));
  all.forEach((s, index) => {
    if (!isObject(s) || s.Effect !== 'Allow') return;
    for (const providerArn of oidcProviders(s.Principal)) {
      const providerUrl = providerUrlOfArn(providerArn) ?? '';
      if (!admitsProvider(s, providerArn, providerUrl)) continue;
      const sub = conditionValues(s.Condition, providerUrl, 'sub');
      const aud = conditionValues(s.Condition, providerUrl, 'aud');
      out.push({
        role,
        index,
        json: s,
        providerArn,
        providerUrl,
        subValues: sub.values,
        roleSubValues: subsOfRole(providerUrl),
        audValues: aud.values,
        hasSubKey: sub.present,
        hasAudKey: aud.present,
      });
    }
  });
  return out;
}

/** Every `oidc-provider/` ARN of a `Federated` principal. */
function oidcProviders(principal: unknown): string[] {
  if (!isObject(principal)) return [];
  const federated = principal.Federated;
  const list = Array.isArray(federated) ? federated : [federated];
  return list.filter((v): v is string => typeof v === 'string' && providerUrlOfArn(v) !== undefined);
}

/** The evaluator's view of the statement alone, conditions aside: action and principal admit a web identity. */
function admitsProvider(statement: Record<string, unknown>, providerArn: string, providerUrl: string): boolean {
  const { Condition: _ignored, ...bare } = statement;
  const outcome = evaluateTrustPolicy({ Statement: [bare] }, webIdentityContext({ providerArn, providerUrl }));
  const first = outcome.statements[0];
  return first?.actionMatches === true && first.principalMatches;
}

/** The values of every condition on `<issuer>:<claim>` (keys are case-insensitive), whatever the operator. */
function conditionValues(
  condition: unknown,
  providerUrl: string,
  claim: 'sub' | 'aud',
): { present: boolean; values: string[] } {
  const want = `${stripScheme(providerUrl)}:${claim}`.toLowerCase();
  const values: string[] = [];
  let present = false;
  if (!isObject(condition)) return { present, values };
  for (const block of Object.values(condition)) {
    if (!isObject(block)) continue;
    for (const [key, value] of Object.entries(block)) {
      if (key.toLowerCase() !== want) continue;
      present = true;
      for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') values.push(v);
    }
  }
  return { present, values };
}
