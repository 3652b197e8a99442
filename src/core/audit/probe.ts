/**
 * What a trust statement admits, found by asking the sandbox STS evaluator (core/sts/trust-policy.ts) about made-up
 * tokens rather than by reading patterns: subjects in two namespaces nobody has (`irsa-audit-probe-1/-2`), each
 * `:sub` pattern of the role's statements with its wildcards filled in two different ways, and an audience nobody uses.
 * The whole trust policy is evaluated, so a Deny statement that narrows an Allow counts; the statement "admits" a
 * token when the policy allows it and this statement is one that applies.
 */
import { DEFAULT_AUDIENCE } from '../defaults.js';
import { evaluateTrustPolicy, webIdentityContext } from '../sts/trust-policy.js';
import { SUBJECT_PREFIX, subjectFor } from '../tokens/claims.js';
import type { TrustStatement } from './web-identity.js';

const PROBE_NAMESPACES = ['irsa-audit-probe-1', 'irsa-audit-probe-2'];
const PROBE_NAME = 'irsa-audit-probe';
const PROBE_AUDIENCE = 'irsa-audit-probe-audience';
/** What `*` and `?` become in the two fillings of a pattern. */
const FILLINGS = [
  { star: 'irsa-audit-1', one: 'a' },
  { star: 'irsa-audit-2', one: 'b' },
];

export interface StatementProbe {
  /** Admitted subjects among the probes. */
  admitted: string[];
  /** A subject in a namespace nobody has was admitted: any namespace will do. */
  anyNamespace: boolean;
  /** The namespaces of the admitted `system:serviceaccount:` subjects. */
  namespaces: string[];
  /** Admitted ServiceAccount names when every admitted subject is in one namespace. */
  names: string[];
  /** A token for an audience nobody uses was admitted (with an admitted subject). */
  anyAudience: boolean;
}

export function probeStatement(st: TrustStatement, clientIds: readonly string[]): StatementProbe {
  const audiences = [...new Set([...clientIds, ...st.audValues.map((v) => fill(v, 0)), DEFAULT_AUDIENCE])];
  const admits = (sub: string, aud: string) => admitted(st, sub, aud);
  const fixed = PROBE_NAMESPACES.map((ns) => subjectFor(ns, PROBE_NAME));
  const fromPatterns = [...new Set([...st.subValues, ...st.roleSubValues])].flatMap((v) =>
    FILLINGS.map((_, i) => fill(v, i)),
  );
  const candidates = [...new Set([...fixed, ...fromPatterns])];
  const admittedSubjects = candidates.filter((sub) => audiences.some((aud) => admits(sub, aud)));
  const parsed = admittedSubjects.map(subjectParts).filter((p) => p !== undefined);
  const namespaces = [...new Set(parsed.map((p) => p.namespace))];
  const first = admittedSubjects[0];
  return {
    admitted: admittedSubjects,
    anyNamespace: fixed.some((s) => admittedSubjects.includes(s)),
    namespaces,
    names: namespaces.length === 1 ? [...new Set(parsed.map((p) => p.name))] : [],
    anyAudience: first !== undefined && admits(first, PROBE_AUDIENCE),
  };
}

/** Whether the role's whole trust policy lets this token in through this statement. */
export function admitted(st: TrustStatement, sub: string, aud: string): boolean {
  const ctx = webIdentityContext({ providerArn: st.providerArn, providerUrl: st.providerUrl, sub, aud });
  const evaluation = evaluateTrustPolicy(st.role.trustPolicy as object, ctx);
  return evaluation.allowed && evaluation.statements[st.index]?.applies === true;
}

/** A pattern with its wildcards filled in the i-th way (a plain value stays itself). */
function fill(pattern: string, i: number): string {
  const f = FILLINGS[i];
  return pattern.replace(/[*?]/g, (c) => (c === '*' ? f.star : f.one));
}

/** `system:serviceaccount:<ns>:<name>` split, or undefined for any other subject. */
export function subjectParts(sub: string): { namespace: string; name: string } | undefined {
  if (!sub.startsWith(SUBJECT_PREFIX)) return undefined;
  const rest = sub.slice(SUBJECT_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon <= 0 || colon === rest.length - 1) return undefined;
  return { namespace: rest.slice(0, colon), name: rest.slice(colon + 1) };
}
