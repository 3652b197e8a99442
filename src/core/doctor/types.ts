/**
 * What `irsa doctor` reports: one check per link of the chain, in the order a token travels (token file → token →
 * role ARN → IAM provider → discovery → JWKS → key → audience → thumbprint → role → trust policy → STS verdict).
 * Failures carry the error AWS would answer (code: text) and the fix.
 */
import type { Check, CheckStatus } from '../checks.js';

export type { CheckStatus };

/** A Check (stable id, status, message) with a title and, for failures, AWS's error and the fix. */
export interface DoctorCheck extends Check {
  title: string;
  /** The error users would see from AWS for this failure, `Code: message`. */
  awsError?: string;
  /** What to do about it. */
  fix?: string;
}

export function check(
  id: string,
  title: string,
  status: CheckStatus,
  message: string,
  extra: { awsError?: string; fix?: string } = {},
): DoctorCheck {
  return { id, title, status, message, ...extra };
}

/** `Code: message`, the form the AWS CLI and SDKs print. */
export function awsErrorText(e: { code: string; message: string }): string {
  return `${e.code}: ${e.message}`;
}
