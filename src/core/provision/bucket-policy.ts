/**
 * Public reads of the published documents go through a bucket-policy statement of our own, one per cluster with a
 * fixed Sid, allowing anonymous `s3:GetObject` on exactly the two object ARNs — never ACLs (S3 disables them on new
 * buckets since April 2023). Whatever else the policy holds is kept as it is, in its place; destroy takes out only
 * our statements. The public-access block that lets such a policy work, and nothing else, is fixed too.
 */
import { s3ObjectArn } from '../aws/s3-names.js';
import type { S3Publish } from '../config/types.js';
import { isObject } from '../json/is-object.js';
import type { PublicAccessBlock } from './types.js';

/** ACLs blocked and ignored (we use none); public bucket policies allowed (ours is one). */
export const PUBLIC_ACCESS_BLOCK: Readonly<PublicAccessBlock> = Object.freeze({
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: false,
  RestrictPublicBuckets: false,
});

export const POLICY_VERSION = '2012-10-17';

export interface PublishStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: '*';
  Action: 's3:GetObject';
  Resource: string[];
}

export function publishStatement(sid: string, target: S3Publish, partition: string): PublishStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: '*',
    Action: 's3:GetObject',
    Resource: [target.discoveryKey, target.jwksKey].map((key) => s3ObjectArn(partition, target.bucket, key)),
  };
}

/** The statements of a policy (`Statement` may be one object); [] when there is no policy. */
function statementsOf(policy: unknown): unknown[] {
  if (!isObject(policy)) return [];
  const s = policy.Statement;
  return Array.isArray(s) ? [...s] : s === undefined ? [] : [s];
}

function sidOf(statement: unknown): string | undefined {
  return isObject(statement) && typeof statement.Sid === 'string' ? statement.Sid : undefined;
}

/**
 * The policy with `ours` in it: a statement with one of our Sids replaced in its place (a repeat dropped), the rest
 * appended; other statements and the policy's Id and Version kept.
 */
export function withOurStatements(current: unknown, ours: readonly PublishStatement[]): Record<string, unknown> {
  const wanted = new Map(ours.map((s) => [s.Sid, s]));
  const placed = new Set<string>();
  const statements: unknown[] = [];
  for (const s of statementsOf(current)) {
    const sid = sidOf(s);
    const mine = sid === undefined ? undefined : wanted.get(sid);
    if (!mine) statements.push(s);
    else if (!placed.has(mine.Sid)) {
      statements.push(mine);
      placed.add(mine.Sid);
    }
  }
  for (const s of ours) if (!placed.has(s.Sid)) statements.push(s);
  return { ...policyHeader(current), Statement: statements };
}

/** The policy without the statements of `sids`; undefined when nothing else is left (then delete the policy). */
export function withoutOurStatements(current: unknown, sids: readonly string[]): Record<string, unknown> | undefined {
  const rest = statementsOf(current).filter((s) => !sids.includes(sidOf(s) ?? ''));
  return rest.length === 0 ? undefined : { ...policyHeader(current), Statement: rest };
}

/** Whether the policy holds a statement with one of `sids`. */
export function hasStatements(current: unknown, sids: readonly string[]): boolean {
  return statementsOf(current).some((s) => sids.includes(sidOf(s) ?? ''));
}

function policyHeader(current: unknown): Record<string, unknown> {
  const version = isObject(current) && typeof current.Version === 'string' ? current.Version : POLICY_VERSION;
  const id = isObject(current) && current.Id !== undefined ? { Id: current.Id } : {};
  return { Version: version, ...id };
}

/** The settings of a block that differ from ours: `BlockPublicPolicy true → false`. */
export function publicAccessBlockChanges(current: PublicAccessBlock | undefined): string[] {
  return (Object.keys(PUBLIC_ACCESS_BLOCK) as (keyof PublicAccessBlock)[])
    .filter((k) => current?.[k] !== PUBLIC_ACCESS_BLOCK[k])
    .map((k) =>
      current === undefined ? `+ ${k}=${PUBLIC_ACCESS_BLOCK[k]}` : `~ ${k}: ${current[k]} → ${PUBLIC_ACCESS_BLOCK[k]}`,
    );
}

/** The account-level settings that would stop anonymous reads through a bucket policy. */
export function blockingAccountSettings(block: PublicAccessBlock | undefined): string[] {
  if (!block) return [];
  return (['BlockPublicPolicy', 'RestrictPublicBuckets'] as const).filter((k) => block[k]);
}
