/** IAM's answers in the shapes of the provisioning contract (core/provision/types.ts): tags, policies, URLs. */
import type { AttachedPolicy, Tag } from '@aws-sdk/client-iam';
import { decodePolicyDocument } from '../../core/aws/trust-policy-builder.js';
import {
  CLUSTER_TAG,
  type CurrentRole,
  MANAGED_BY_TAG,
  MANAGED_BY_VALUE,
  type Tags,
} from '../../core/provision/types.js';
import { sdkErrorCode } from './sdk-errors.js';

export interface RoleQuery {
  roleNames: readonly string[];
  clusters: readonly string[];
}

export interface RoleReadResult {
  roles: Map<string, CurrentRole>;
  mode: 'account-details' | 'per-role';
  warnings: string[];
}

/** IAM tags as a record (IAM keeps keys unique, case-insensitively). */
export function tagRecord(tags: readonly Tag[] | undefined): Tags {
  const out: Tags = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

/** Whether `tags` say the resource is managed by irsa-anywhere for one of `clusters`. */
export function isOurs(tags: Tags, clusters: readonly string[]): boolean {
  return tags[MANAGED_BY_TAG] === MANAGED_BY_VALUE && clusters.includes(tags[CLUSTER_TAG] ?? '');
}

/** A policy document as IAM hands it back (URL-encoded, or plain from other endpoints), parsed when it is JSON. */
export function parsePolicy(document: string | undefined): unknown {
  const text = decodePolicyDocument(document ?? '');
  try {
    return JSON.parse(text);
  } catch {
    // Kept as text: a policy stored unparsed (moto accepts anything) differs from every desired one.
    return text;
  }
}

export function policyArns(list: readonly AttachedPolicy[] | undefined): string[] {
  return (list ?? []).flatMap((p) => (p.PolicyArn ? [p.PolicyArn] : []));
}

export function isAccessDenied(e: unknown): boolean {
  const code = sdkErrorCode(e);
  return code === 'AccessDenied' || code === 'AccessDeniedException' || code === 'UnauthorizedOperation';
}

/** IAM answers provider URLs without their scheme; the config (and every token's `iss`) has it. */
export function withHttps(url: string): string {
  return /^https:\/\//i.test(url) ? url : `https://${url}`;
}

/** The URL a provider ARN was built from: one implementation, in core. */
export { providerUrlOfArn } from '../../core/aws/arn.js';
