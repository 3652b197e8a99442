/** Shapes and constants of kube-apiserver service-account tokens (pkg/serviceaccount/claims.go). */

export const SUBJECT_PREFIX = 'system:serviceaccount:';
/** TokenRequest minimum (`MinTokenAgeSec`): "may not specify a duration less than 10 minutes". */
export const MIN_EXPIRATION_SECONDS = 600;
/** TokenRequest maximum: "may not specify a duration larger than 2^32 seconds". */
export const MAX_EXPIRATION_SECONDS = 2 ** 32;

export interface ObjectRef {
  name: string;
  uid?: string;
}

/** The private `kubernetes.io` claim. */
export interface KubernetesClaim {
  namespace: string;
  node?: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  serviceaccount: ObjectRef;
  warnafter?: number;
}

export interface ServiceAccountClaims {
  aud: string[] | string;
  exp: number;
  iat: number;
  iss: string;
  jti?: string;
  'kubernetes.io'?: KubernetesClaim;
  nbf: number;
  sub: string;
  [other: string]: unknown;
}

export function subjectFor(namespace: string, serviceAccount: string): string {
  return `${SUBJECT_PREFIX}${namespace}:${serviceAccount}`;
}

/** Splits `system:serviceaccount:NS:NAME`; undefined when the subject is not a service account's. */
export function parseSubject(sub: unknown): { namespace: string; serviceAccount: string } | undefined {
  if (typeof sub !== 'string' || !sub.startsWith(SUBJECT_PREFIX)) return undefined;
  const parts = sub.slice(SUBJECT_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], serviceAccount: parts[1] };
}

/**
 * The latest NumericDate taken: 9999-12-31T23:59:59Z (and as far before 1970). STS wants timestamps "formatted as
 * either an integer or a long integer"; a value past any calendar date (an `exp` in milliseconds, `1e308`) is refused
 * rather than read as a token that never expires (the sandbox's choice U18, src/core/sts/aws-errors.ts).
 */
export const MAX_NUMERIC_DATE = 253402300799;

/** A timestamp claim as STS takes it: a JSON number of whole seconds within the calendar. */
export function isNumericDate(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= MAX_NUMERIC_DATE;
}

/** Why a value is not a NumericDate (for one that isNumericDate refused), in words. */
export function timestampProblem(v: unknown): string {
  if (typeof v !== 'number')
    return `is ${v === null ? 'null' : `a ${Array.isArray(v) ? 'list' : typeof v}`}, not a number`;
  if (!Number.isInteger(v)) return `${v} is not whole seconds`;
  if (v < 0) return `${v} lies before any calendar date`;
  return `${v} lies past year 9999${v < 1e16 ? ' (milliseconds, not seconds?)' : ''}`;
}
