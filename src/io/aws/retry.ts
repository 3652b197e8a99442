/**
 * When an AWS call is worth sending again, and how long to wait first. Two budgets: throttling and server errors
 * (every call), and IAM's propagation delay — a role whose trust names an OIDC provider created a moment ago can be
 * refused with "Invalid principal in policy" until IAM has propagated the provider, which Terraform also waits out.
 */
import { systemCode } from '../system-errors.js';
import { sdkErrorCode, sdkErrorMessage, sdkErrorStatus } from './sdk-errors.js';

export interface Backoff {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The ceiling of the first wait; doubled each attempt up to maxMs ("full jitter": a random wait below it). */
  baseMs: number;
  maxMs: number;
}

export interface RetryPolicy {
  throttling: Backoff;
  /** Only for CreateRole / UpdateAssumeRolePolicy refused with "Invalid principal in policy". */
  propagation: Backoff;
  /** Waits (injectable: tests record the delays instead of sleeping). */
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1) (injectable for reproducible jitter). */
  random: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  throttling: { attempts: 8, baseMs: 200, maxMs: 10_000 },
  // About 40 s in all at worst: IAM usually propagates a new provider within seconds.
  propagation: { attempts: 10, baseMs: 1000, maxMs: 8000 },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceFailure',
]);

/**
 * Failures on the way (no AWS answer) that a second attempt may well get through. Not a timeout: an endpoint silent
 * for the whole request timeout would only be waited on again, attempts × timeout in all (minutes), before failing.
 */
const TRANSIENT_NETWORK: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE']);

/**
 * Throttling, a 5xx, or a dropped connection: worth another attempt after a wait. A 500 whose answer is not AWS's
 * (moto's HTML page for an action it does not implement) is not: it would only come again, after every wait.
 */
export function isRetryable(e: unknown): boolean {
  const status = sdkErrorStatus(e);
  const awsAnswer = (e as { $fault?: unknown } | undefined)?.$fault !== undefined;
  if (status === 500 && !awsAnswer) return false;
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  if (THROTTLING_CODES.has(sdkErrorCode(e))) return true;
  return TRANSIENT_NETWORK.has(systemCode(e)) || TRANSIENT_NETWORK.has(sdkErrorCode(e));
}

/** IAM has not yet propagated the OIDC provider a trust policy names. */
export function isPropagationDelay(e: unknown): boolean {
  return sdkErrorCode(e) === 'MalformedPolicyDocument' && /invalid principal/i.test(sdkErrorMessage(e));
}

/** The wait before attempt `attempt + 1` (attempt counts from 1): a random time below base·2^(attempt-1), capped. */
export function backoffDelay(b: Backoff, attempt: number, random: () => number): number {
  const ceiling = Math.min(b.maxMs, b.baseMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}
