/**
 * An in-house evaluator and validator for role trust policies, for the subset IAM applies to
 * AssumeRoleWithWebIdentity. Pure functions; no copyleft code. Every decision carries a reason doctor can print.
 *
 * Semantics (IAM's documented policy logic):
 * - Statement is an object or an array; Deny wins over Allow; no applicable Allow = implicit deny.
 * - A statement applies when its Action/NotAction, Principal/NotPrincipal and every Condition hold.
 * - Principal: `"*"` and `{"AWS":"*"}` mean everyone (IAM treats them alike), so they admit any web identity;
 *   `{"Federated": arn | [arn…]}` must contain the provider ARN exactly. NotPrincipal applies to everyone not listed
 *   (the validator admits it only with Deny).
 * - Action/NotAction: `*` and `?` wildcards, case-insensitive.
 * - Condition: AND across operators and across keys, OR across a key's values. Keys are case-insensitive, values
 *   case-sensitive (except the IgnoreCase operators). Operators: StringEquals, StringNotEquals, StringLike,
 *   StringNotLike, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, Null; each with optional `ForAnyValue:` /
 *   `ForAllValues:` and `…IfExists`. A missing key fails positive operators and satisfies negated ones (IAM's rule),
 *   satisfies `…IfExists` and `ForAllValues:`, and fails `ForAnyValue:`. Without a set prefix a multi-valued key
 *   matches when any value matches (negated operators: when none does).
 * - Other IAM operators (Numeric*, Date*, Bool, Arn*, IpAddress, Binary*) are valid but never evaluated here: such a
 *   condition does not match (documented; there are no numeric/date keys in a web-identity request). Policy
 *   variables (`${…}`) are compared literally.
 */
import { stripScheme } from '../aws/arn.js';
import { isObject } from '../json/is-object.js';
import { type AwsError, limitExceeded, MSG_ACL_SIZE_PER_ROLE, malformedPolicyDocument } from './aws-errors.js';
import { wildcardMatch } from './wildcard.js';

export const ASSUME_ROLE_WITH_WEB_IDENTITY = 'sts:AssumeRoleWithWebIdentity';
/** IAM's default quota for a role trust policy (raisable by AWS; configurable here). */
export const DEFAULT_TRUST_POLICY_MAX_LENGTH = 2048;

/** The request as the trust policy sees it. */
export interface TrustContext {
  action: string;
  /** The provider ARN the token came through (`Principal.Federated`). */
  federated: string;
  /** Condition keys (any case) to their values; a string is single-valued, an array multi-valued. */
  keys: Record<string, string | string[] | undefined>;
}

export interface ConditionOutcome {
  operator: string;
  key: string;
  ok: boolean;
  /** e.g. `StringEquals on host/path:sub wants "…", token has "…"`. */
  reason: string;
}

export interface StatementOutcome {
  index: number;
  sid?: string;
  effect: string;
  applies: boolean;
  actionMatches: boolean;
  principalMatches: boolean;
  conditions: ConditionOutcome[];
  reason: string;
}

export interface TrustEvaluation {
  allowed: boolean;
  decision: 'allow' | 'explicit-deny' | 'implicit-deny';
  reason: string;
  statements: StatementOutcome[];
}

/** Context keys of an AssumeRoleWithWebIdentity request: `<provider url without https://>:sub|aud|amr|azp`. */
export function webIdentityContext(input: {
  providerArn: string;
  providerUrl: string;
  sub?: string;
  /** The audience that matched the provider's client IDs. */
  aud?: string;
  amr?: unknown;
  azp?: unknown;
  roleSessionName?: string;
}): TrustContext {
  const host = stripScheme(input.providerUrl);
  const keys: TrustContext['keys'] = {};
  if (input.sub !== undefined) keys[`${host}:sub`] = input.sub;
  if (input.aud !== undefined) keys[`${host}:aud`] = input.aud;
  if (typeof input.amr === 'string') keys[`${host}:amr`] = [input.amr];
  else if (Array.isArray(input.amr)) keys[`${host}:amr`] = input.amr.filter((v) => typeof v === 'string');
  if (typeof input.azp === 'string') keys[`${host}:azp`] = input.azp;
  if (input.roleSessionName !== undefined) keys['sts:RoleSessionName'] = input.roleSessionName;
  return { action: ASSUME_ROLE_WITH_WEB_IDENTITY, federated: input.providerArn, keys };
}

// ---- Evaluation ------------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function evaluateTrustPolicy(policy: string | object, ctx: TrustContext): TrustEvaluation {
  const doc = typeof policy === 'string' ? parseJson(policy) : policy;
  if (doc === undefined) return implicit('the trust policy is not valid JSON', []);
  if (!isObject(doc)) return implicit('the trust policy is not a JSON object', []);
  const raw = doc.Statement;
  const statements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const keys = lowerKeys(ctx.keys);
  const outcomes = statements.map((s, i) => evaluateStatement(s, i, ctx, keys));

  const deny = outcomes.find((o) => o.applies && o.effect === 'Deny');
  if (deny) {
    return {
      allowed: false,
      decision: 'explicit-deny',
      reason: `${label(deny)} denies ${ctx.action}`,
      statements: outcomes,
    };
  }
  const allow = outcomes.find((o) => o.applies && o.effect === 'Allow');
  if (allow) {
    return { allowed: true, decision: 'allow', reason: `${label(allow)} allows ${ctx.action}`, statements: outcomes };
  }
  // Explain through the Allow statement that came closest (right principal and action, failed condition).
  const allows = outcomes.filter((o) => o.effect === 'Allow');
  const closest =
    allows.find((o) => o.actionMatches && o.principalMatches) ?? allows.find((o) => o.principalMatches) ?? allows[0];
  const reason = closest
    ? `no statement allows ${ctx.action}: ${label(closest)}: ${closest.reason}`
    : `no Allow statement in the trust policy`;
  return implicit(reason, outcomes);
}

function implicit(reason: string, statements: StatementOutcome[]): TrustEvaluation {
  return { allowed: false, decision: 'implicit-deny', reason, statements };
}

function label(o: StatementOutcome): string {
  return `statement ${o.index + 1}${o.sid ? ` (Sid ${JSON.stringify(o.sid)})` : ''}`;
}

function evaluateStatement(
  s: unknown,
  index: number,
  ctx: TrustContext,
  keys: Map<string, string[] | undefined>,
): StatementOutcome {
  const out: StatementOutcome = {
    index,
    effect: '',
    applies: false,
    actionMatches: false,
    principalMatches: false,
    conditions: [],
    reason: '',
  };
  if (!isObject(s)) {
    out.reason = 'is not a JSON object';
    return out;
  }
  if (typeof s.Sid === 'string') out.sid = s.Sid;
  out.effect = typeof s.Effect === 'string' ? s.Effect : '';
  if (out.effect !== 'Allow' && out.effect !== 'Deny') {
    out.reason = `has Effect ${JSON.stringify(s.Effect ?? null)}, neither Allow nor Deny`;
    return out;
  }

  if (s.Action !== undefined) out.actionMatches = strings(s.Action).some((p) => actionMatches(p, ctx.action));
  else if (s.NotAction !== undefined)
    out.actionMatches = !strings(s.NotAction).some((p) => actionMatches(p, ctx.action));
  if (s.Principal !== undefined) out.principalMatches = principalMatches(s.Principal, ctx.federated);
  else if (s.NotPrincipal !== undefined) out.principalMatches = !principalMatches(s.NotPrincipal, ctx.federated);

  if (!out.actionMatches) {
    out.reason = `its ${s.Action !== undefined ? 'Action' : 'NotAction'} ${JSON.stringify(s.Action ?? s.NotAction ?? null)} does not cover ${ctx.action}`;
    return out;
  }
  if (!out.principalMatches) {
    const field = s.Principal !== undefined ? 'Principal' : 'NotPrincipal';
    out.reason = `its ${field} ${JSON.stringify(s.Principal ?? s.NotPrincipal ?? null)} does not admit the token's provider ${ctx.federated}`;
    return out;
  }
  if (s.Condition !== undefined) {
    if (!isObject(s.Condition)) {
      out.reason = 'its Condition is not an object';
      return out;
    }
    for (const [operator, block] of Object.entries(s.Condition)) {
      if (!isObject(block)) {
        out.conditions.push({ operator, key: '', ok: false, reason: `${operator} is not an object of keys` });
        continue;
      }
      for (const [key, values] of Object.entries(block)) {
        out.conditions.push(evaluateCondition(operator, key, values as Json, keys.get(key.toLowerCase())));
      }
    }
  }
  const failed = out.conditions.find((c) => !c.ok);
  if (failed) {
    out.reason = failed.reason;
    return out;
  }
  out.applies = true;
  out.reason = out.conditions.length ? 'action, principal and every condition match' : 'action and principal match';
  return out;
}

function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern, action, true);
}

function principalMatches(principal: unknown, federated: string): boolean {
  if (principal === '*') return true;
  if (!isObject(principal)) return false;
  for (const [type, value] of Object.entries(principal)) {
    const list = strings(value);
    if (type === 'AWS' && list.includes('*')) return true;
    if (type === 'Federated' && list.includes(federated)) return true;
  }
  return false;
}

type StringOp = 'StringEquals' | 'StringNotEquals' | 'StringLike' | 'StringNotLike' | 'StringEqualsIgnoreCase';
const MATCHERS: Record<string, { positive: StringOp | 'StringEqualsIgnoreCase'; negated: boolean }> = {
  StringEquals: { positive: 'StringEquals', negated: false },
  StringNotEquals: { positive: 'StringEquals', negated: true },
  StringLike: { positive: 'StringLike', negated: false },
  StringNotLike: { positive: 'StringLike', negated: true },
  StringEqualsIgnoreCase: { positive: 'StringEqualsIgnoreCase', negated: false },
  StringNotEqualsIgnoreCase: { positive: 'StringEqualsIgnoreCase', negated: true },
};

/** Splits `ForAnyValue:StringLikeIfExists` into its parts. */
export function parseOperator(operator: string): {
  set?: 'ForAnyValue' | 'ForAllValues';
  base: string;
  ifExists: boolean;
} {
  let rest = operator;
  let set: 'ForAnyValue' | 'ForAllValues' | undefined;
  const colon = rest.indexOf(':');
  if (colon !== -1) {
    const prefix = rest.slice(0, colon);
    if (prefix === 'ForAnyValue' || prefix === 'ForAllValues') set = prefix;
    else return { base: operator, ifExists: false };
    rest = rest.slice(colon + 1);
  }
  const ifExists = rest.endsWith('IfExists') && rest !== 'IfExists';
  return { set, base: ifExists ? rest.slice(0, -'IfExists'.length) : rest, ifExists };
}

function evaluateCondition(
  operator: string,
  key: string,
  rawValues: Json,
  context: string[] | undefined,
): ConditionOutcome {
  const { set, base, ifExists } = parseOperator(operator);
  const wants = conditionValues(rawValues);
  const has = context === undefined ? 'no such key' : describe(context);
  const done = (ok: boolean, reason: string): ConditionOutcome => ({ operator, key, ok, reason });
  const absent = context === undefined || context.length === 0;

  if (base === 'Null') {
    // Null: "true" = the key must be absent, "false" = it must be present.
    const ok = wants.some((w) => (w.toLowerCase() === 'true' ? absent : !absent));
    return done(ok, `${operator} on ${key} wants ${describe(wants)} (key ${absent ? 'absent' : 'present'})`);
  }
  const spec = MATCHERS[base];
  if (!spec) {
    return done(false, `${operator} on ${key} is not evaluated by this tool (treated as not matching)`);
  }
  const unmet = (why: string) => `${operator} on ${key} wants ${describe(wants)}, ${why}`;
  if (absent) {
    if (ifExists) return done(true, `${operator} on ${key}: key absent, IfExists holds`);
    if (set === 'ForAllValues') return done(true, `${operator} on ${key}: key absent, ForAllValues holds`);
    if (set === 'ForAnyValue') return done(false, unmet('the token has no such key'));
    return done(spec.negated, spec.negated ? `${operator} on ${key}: key absent` : unmet('the token has no such key'));
  }
  const values = context as string[];
  const matchesAny = (v: string) => wants.some((w) => stringMatches(spec.positive, v, w));
  const satisfies = (v: string) => (spec.negated ? !matchesAny(v) : matchesAny(v));
  let ok: boolean;
  if (set === 'ForAnyValue') ok = values.some(satisfies);
  else if (set === 'ForAllValues') ok = values.every(satisfies);
  else ok = spec.negated ? !values.some(matchesAny) : values.some(matchesAny);
  return done(ok, ok ? `${operator} on ${key} holds for token value ${has}` : unmet(`token has ${has}`));
}

function stringMatches(op: StringOp, value: string, want: string): boolean {
  switch (op) {
    case 'StringEquals':
      return value === want;
    case 'StringEqualsIgnoreCase':
      return value.toLowerCase() === want.toLowerCase();
    case 'StringLike':
      return wildcardMatch(want, value);
    default:
      return false;
  }
}

/** The policy text as JSON, or undefined when it is not JSON (an implicit deny, never an exception). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function conditionValues(v: Json): string[] {
  const list = Array.isArray(v) ? v : [v];
  return list.filter((x) => x !== null && typeof x !== 'object').map((x) => String(x));
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

function describe(values: string[]): string {
  return values.length === 1 ? JSON.stringify(values[0]) : JSON.stringify(values);
}

function lowerKeys(keys: TrustContext['keys']): Map<string, string[] | undefined> {
  const m = new Map<string, string[] | undefined>();
  for (const [k, v] of Object.entries(keys)) m.set(k.toLowerCase(), v === undefined ? undefined : strings(v));
  return m;
}

// ---- Validation (CreateRole / UpdateAssumeRolePolicy) ----------------------------------------------------------

const STRING_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
];
/** Every IAM condition operator (valid in a policy even where this evaluator does not evaluate it). */
const IAM_OPERATORS: ReadonlySet<string> = new Set([
  ...STRING_OPERATORS,
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
]);
const STATEMENT_FIELDS: ReadonlySet<string> = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Condition',
]);
const PRINCIPAL_TYPES: ReadonlySet<string> = new Set(['AWS', 'Federated', 'Service', 'CanonicalUser']);
const SYNTAX = 'Syntax errors in policy.';

export type TrustPolicyValidation = { ok: true; policy: Record<string, unknown> } | { ok: false; error: AwsError };

/** Characters IAM counts against the quota: white space is not counted. */
export function trustPolicySize(text: string): number {
  return text.replace(/\s/g, '').length;
}

/**
 * What IAM checks on CreateRole / UpdateAssumeRolePolicy. Errors are MalformedPolicyDocument (400), or
 * LimitExceeded (409) `Cannot exceed quota for ACLSizePerRole: 2048` when too long. Texts: see aws-errors U13.
 */
export function validateTrustPolicy(text: string, options: { maxLength?: number } = {}): TrustPolicyValidation {
  const max = options.maxLength ?? DEFAULT_TRUST_POLICY_MAX_LENGTH;
  const bad = (message: string): TrustPolicyValidation => ({ ok: false, error: malformedPolicyDocument(message) });
  if (trustPolicySize(text) > max) return { ok: false, error: limitExceeded(MSG_ACL_SIZE_PER_ROLE(max)) };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return bad(SYNTAX);
  }
  if (!isObject(doc)) return bad(SYNTAX);
  for (const k of Object.keys(doc)) if (!['Version', 'Id', 'Statement'].includes(k)) return bad(SYNTAX);
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') {
    return bad('The policy failed legacy parsing');
  }
  if (doc.Statement === undefined) return bad('Missing required field Statement');
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  if (statements.length === 0) return bad('Missing required field Statement');
  for (const s of statements) {
    const problem = statementProblem(s);
    if (problem) return bad(problem);
  }
  return { ok: true, policy: doc };
}

function statementProblem(s: unknown): string | undefined {
  if (!isObject(s)) return SYNTAX;
  for (const k of Object.keys(s)) {
    if (k === 'Resource' || k === 'NotResource') return `Has prohibited field ${k}`;
    if (!STATEMENT_FIELDS.has(k)) return SYNTAX;
  }
  if (s.Sid !== undefined && (typeof s.Sid !== 'string' || !/^[A-Za-z0-9]*$/.test(s.Sid))) {
    return 'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*';
  }
  if (s.Effect === undefined) return 'Missing required field Effect';
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return `Invalid effect: ${String(s.Effect)}`;

  if (s.Action === undefined && s.NotAction === undefined) return 'Missing required field Action';
  if (s.Action !== undefined && s.NotAction !== undefined) return SYNTAX;
  const actions = s.Action ?? s.NotAction;
  if (!isStringOrStringList(actions)) return SYNTAX;
  for (const a of strings(actions)) {
    if (a === '*') continue;
    const m = /^([A-Za-z0-9*?-]+):([A-Za-z0-9*?]+)$/.exec(a);
    if (!m) return `Invalid action: ${a}`;
    if (s.Action !== undefined && !wildcardMatch(m[1], 'sts', true)) {
      return 'AssumeRole policy may only specify STS AssumeRole actions.';
    }
  }

  if (s.Principal === undefined && s.NotPrincipal === undefined) return 'Missing required field Principal';
  if (s.Principal !== undefined && s.NotPrincipal !== undefined) return SYNTAX;
  if (s.NotPrincipal !== undefined && s.Effect === 'Allow') {
    return 'NotPrincipal can only be used with Effect Deny in a trust policy';
  }
  const principalProblem = principalProblemOf(s.Principal ?? s.NotPrincipal);
  if (principalProblem) return principalProblem;

  if (s.Condition !== undefined) {
    if (!isObject(s.Condition)) return SYNTAX;
    for (const [operator, block] of Object.entries(s.Condition)) {
      const { base, set } = parseOperator(operator);
      if (!IAM_OPERATORS.has(base) || (operator.includes(':') && !set)) return `Invalid Condition type : ${operator}`;
      if (!isObject(block) || Object.keys(block).length === 0) return SYNTAX;
      for (const [key, value] of Object.entries(block)) {
        if (!key) return SYNTAX;
        const list = Array.isArray(value) ? value : [value];
        if (list.length === 0 || list.some((v) => v === null || typeof v === 'object')) return SYNTAX;
      }
    }
  }
  return undefined;
}

function principalProblemOf(p: unknown): string | undefined {
  if (p === '*') return undefined;
  if (!isObject(p) || Object.keys(p).length === 0) return SYNTAX;
  for (const [type, value] of Object.entries(p)) {
    if (!PRINCIPAL_TYPES.has(type) || !isStringOrStringList(value)) return SYNTAX;
    for (const v of strings(value)) {
      const invalid = `Invalid principal in policy: ${JSON.stringify(type)}:${JSON.stringify(v)}`;
      if (type === 'Federated' && !validFederated(v)) return invalid;
      if (type === 'AWS' && !(v === '*' || /^\d{12}$/.test(v) || /^arn:aws(-cn|-us-gov)?:(iam|sts)::\d{12}:/.test(v))) {
        return invalid;
      }
      if (type === 'Service' && !/^[a-z0-9.-]+$/.test(v)) return invalid;
    }
  }
  return undefined;
}

function validFederated(v: string): boolean {
  if (/^arn:aws(-cn|-us-gov)?:iam::\d{12}:(oidc-provider|saml-provider)\/.+$/.test(v)) return true;
  // The built-in web identity providers.
  return ['cognito-identity.amazonaws.com', 'www.amazon.com', 'graph.facebook.com', 'accounts.google.com'].includes(v);
}

function isStringOrStringList(v: unknown): boolean {
  if (typeof v === 'string') return true;
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');
}
