/**
 * One AssumeRoleWithWebIdentity decision in progress: what the checks (checks/*.ts) have established so far, the
 * trace they write, and the failure that ends it. decide.ts runs the checks in AWS's order over one of these.
 */
import type { parseRoleArn } from '../aws/arn.js';
import type { Check } from '../checks.js';
import type { AwsError } from './aws-errors.js';
import type { TrustEvaluation } from './trust-policy.js';
import type {
  AssumeRoleWithWebIdentityRequest,
  IamView,
  IssuerKeySource,
  IssuerKeysResult,
  OidcProviderState,
  PublicKeyCache,
  RoleState,
} from './types.js';

export interface DecideOptions {
  iam: IamView;
  keys: IssuerKeySource;
  /** The current time: a Date, or a number of epoch seconds or milliseconds (values above 1e11 are milliseconds). */
  now?: Date | number;
  /** Seconds `nbf`/`iat` may lie in the future (default CLOCK_SKEW_LEEWAY_SECONDS). */
  leewaySeconds?: number;
  /** Reject tokens older than this (`Token too old: N`); default: not enforced (unconfirmed U4). */
  maxTokenAgeSeconds?: number;
  /** Imported public keys kept across decisions by the caller (the sandbox); without it each key is imported anew. */
  publicKeys?: PublicKeyCache;
}

export type FetchedKeys = Extract<IssuerKeysResult, { ok: true }>;

/**
 * What the decision knows. The fields below `trace` are each set by the check named beside it, and read only by
 * checks after it in the order of decide.ts.
 */
export interface Decision {
  readonly req: AssumeRoleWithWebIdentityRequest;
  readonly iam: IamView;
  readonly keys: IssuerKeySource;
  readonly publicKeys?: PublicKeyCache;
  /** Epoch seconds. */
  readonly now: number;
  readonly leeway: number;
  readonly maxAge?: number;
  readonly trace: Check[];
  /** role-arn */
  roleArn: NonNullable<ReturnType<typeof parseRoleArn>>;
  /** token-shape */
  header: Record<string, unknown>;
  /** token-shape (unverified until signature) */
  claims?: Record<string, unknown>;
  /** alg */
  alg: string;
  /** iss */
  iss: string;
  /** provider */
  provider: OidcProviderState;
  /** fetch-keys; kid replaces it after a refresh */
  fetched: FetchedKeys;
  /** kid: the JWK that verifies the signature */
  jwk: Record<string, unknown>;
  /** aud: the value that matched a client ID */
  audience: string;
  /** sub */
  sub: string;
  /** role */
  role: RoleState;
  /** trust-policy */
  trust?: TrustEvaluation;
  /** duration */
  durationSeconds: number;
}

/** Why the decision stops: AWS's error, and the trace line (`id` defaults to the check's own). */
export interface Failure {
  id?: string;
  message: string;
  error: AwsError;
}

export type CheckResult = Failure | undefined;

/** One named link of the chain: records what it found in the trace, or returns the failure. */
export interface DecisionCheck {
  id: string;
  run(d: Decision): CheckResult | Promise<CheckResult>;
}

export function pass(d: Decision, id: string, message: string): undefined {
  d.trace.push({ id, status: 'pass', message });
  return undefined;
}

export function warn(d: Decision, id: string, message: string): undefined {
  d.trace.push({ id, status: 'warn', message });
  return undefined;
}

export function refuse(message: string, error: AwsError, id?: string): Failure {
  return id === undefined ? { message, error } : { id, message, error };
}
