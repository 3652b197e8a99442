/**
 * Roles read one by one, for credentials that may not read the whole account (GetAccountAuthorizationDetails
 * refused): GetRole carries the trust policy, tags, boundary, description and session duration; the policies take
 * ListAttachedRolePolicies, ListRolePolicies and one GetRolePolicy per inline policy.
 */
import {
  GetRoleCommand,
  type GetRoleCommandOutput,
  GetRolePolicyCommand,
  type GetRolePolicyCommandOutput,
  ListAttachedRolePoliciesCommand,
  type ListAttachedRolePoliciesCommandOutput,
  ListRolePoliciesCommand,
  type ListRolePoliciesCommandOutput,
  ListRolesCommand,
  type ListRolesCommandOutput,
  ListRoleTagsCommand,
  type ListRoleTagsCommandOutput,
  type Role,
  type Tag,
} from '@aws-sdk/client-iam';
import type { CurrentRole } from '../../core/provision/types.js';
import { type AwsCaller, awsFailure } from './aws-call.js';
import {
  isAccessDenied,
  isOurs,
  parsePolicy,
  policyArns,
  type RoleQuery,
  type RoleReadResult,
  tagRecord,
} from './iam-shapes.js';
import { mapLimit } from './limit.js';
import { sdkErrorCode } from './sdk-errors.js';

export async function readRolesPerRole(
  caller: AwsCaller,
  query: RoleQuery,
  concurrency: number,
): Promise<RoleReadResult> {
  const roles = new Map<string, CurrentRole>();
  const named = await mapLimit(query.roleNames, concurrency, (name) => readRole(caller, name));
  query.roleNames.forEach((name, i) => {
    const r = named[i];
    if (r) roles.set(name, r);
  });
  const warnings = [
    'GetAccountAuthorizationDetails was refused (it needs iam:GetAccountAuthorizationDetails on "*"): roles were read one by one',
  ];
  if (query.clusters.length === 0) return { roles, mode: 'per-role', warnings };
  const others = await ourOtherRoles(caller, query, concurrency, warnings);
  const found = await mapLimit(others, concurrency, (name) => readRole(caller, name));
  for (const r of found) if (r) roles.set(r.name, r);
  return { roles, mode: 'per-role', warnings };
}

/** One role, whole; undefined when it does not exist. */
export async function readRole(caller: AwsCaller, name: string): Promise<CurrentRole | undefined> {
  let role: Role | undefined;
  try {
    role = (await caller.send<GetRoleCommandOutput>('iam', 'GetRole', new GetRoleCommand({ RoleName: name }))).Role;
  } catch (e) {
    if (sdkErrorCode(e) === 'NoSuchEntity') return undefined;
    throw awsFailure('iam', 'GetRole', name, e);
  }
  if (!role) return undefined;
  const [attachedPolicies, inlinePolicies] = await Promise.all([attachedOf(caller, name), inlineOf(caller, name)]);
  return {
    name: role.RoleName ?? name,
    arn: role.Arn ?? '',
    path: role.Path ?? '/',
    ...(role.Description !== undefined ? { description: role.Description } : {}),
    maxSessionDuration: role.MaxSessionDuration ?? 3600,
    ...(role.PermissionsBoundary?.PermissionsBoundaryArn
      ? { permissionsBoundary: role.PermissionsBoundary.PermissionsBoundaryArn }
      : {}),
    trustPolicy: parsePolicy(role.AssumeRolePolicyDocument),
    tags: tagRecord(role.Tags),
    attachedPolicies,
    inlinePolicies,
  };
}

/** Every page of a Marker-paged IAM list, as one array. */
async function pages<P extends { IsTruncated?: boolean; Marker?: string }, T>(
  fetch: (marker: string | undefined) => Promise<P>,
  items: (page: P) => T[],
): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  do {
    const page = await fetch(marker);
    out.push(...items(page));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return out;
}

async function attachedOf(caller: AwsCaller, name: string): Promise<string[]> {
  try {
    return await pages(
      (Marker) =>
        caller.send<ListAttachedRolePoliciesCommandOutput>(
          'iam',
          'ListAttachedRolePolicies',
          new ListAttachedRolePoliciesCommand({ RoleName: name, Marker }),
        ),
      (p) => policyArns(p.AttachedPolicies),
    );
  } catch (e) {
    throw awsFailure('iam', 'ListAttachedRolePolicies', name, e);
  }
}

async function inlineOf(caller: AwsCaller, name: string): Promise<Record<string, unknown>> {
  let names: string[];
  try {
    names = await pages(
      (Marker) =>
        caller.send<ListRolePoliciesCommandOutput>(
          'iam',
          'ListRolePolicies',
          new ListRolePoliciesCommand({ RoleName: name, Marker }),
        ),
      (p) => p.PolicyNames ?? [],
    );
  } catch (e) {
    throw awsFailure('iam', 'ListRolePolicies', name, e);
  }
  const out: Record<string, unknown> = {};
  for (const policyName of names) {
    try {
      const res = await caller.send<GetRolePolicyCommandOutput>(
        'iam',
        'GetRolePolicy',
        new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }),
      );
      out[policyName] = parsePolicy(res.PolicyDocument);
    } catch (e) {
      throw awsFailure('iam', 'GetRolePolicy', `${name} ${policyName}`, e);
    }
  }
  return out;
}

/** Roles not named in the config but tagged as ours: ListRoles (no tags in it), then ListRoleTags per role. */
async function ourOtherRoles(
  caller: AwsCaller,
  query: RoleQuery,
  concurrency: number,
  warnings: string[],
): Promise<string[]> {
  const named = new Set(query.roleNames.map((n) => n.toLowerCase()));
  let all: string[];
  try {
    all = await pages(
      (Marker) =>
        caller.send<ListRolesCommandOutput>('iam', 'ListRoles', new ListRolesCommand({ MaxItems: 1000, Marker })),
      (p) => (p.Roles ?? []).flatMap((r) => (r.RoleName ? [r.RoleName] : [])),
    );
  } catch (e) {
    if (!isAccessDenied(e)) throw awsFailure('iam', 'ListRoles', '', e);
    warnings.push('ListRoles was refused: roles removed from the config (tagged as ours) cannot be found and deleted');
    return [];
  }
  const candidates = all.filter((n) => !named.has(n.toLowerCase()));
  const tagged = await mapLimit(candidates, concurrency, (n) => tagsOf(caller, n));
  return candidates.filter((_n, i) => isOurs(tagRecord(tagged[i]), query.clusters));
}

async function tagsOf(caller: AwsCaller, name: string): Promise<Tag[]> {
  try {
    return await pages(
      (Marker) =>
        caller.send<ListRoleTagsCommandOutput>(
          'iam',
          'ListRoleTags',
          new ListRoleTagsCommand({ RoleName: name, Marker }),
        ),
      (p) => p.Tags ?? [],
    );
  } catch (e) {
    if (sdkErrorCode(e) === 'NoSuchEntity') return [];
    throw awsFailure('iam', 'ListRoleTags', name, e);
  }
}
