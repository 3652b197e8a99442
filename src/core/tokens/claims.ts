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
