/**
 * The roles irsa.yaml names, and the roles tagged as ours for one of its clusters (so a service account removed
 * from the file is found and deleted). Two ways to read them:
 *
 *   account-details  one GetAccountAuthorizationDetails walk (Filter Role: trust, attached and inline policies,
 *                    tags, permissions boundary; pages of 1,000) plus one ListRoles walk for what that call leaves
 *                    out (description, maximum session duration): a handful of calls whatever the number of roles.
 *   per-role         when the account-wide read is refused (it needs `Resource: "*"`): GetRole (which carries tags),
 *                    ListAttachedRolePolicies, ListRolePolicies and GetRolePolicy per inline policy, per role; and,
 *                    to find roles removed from the file, ListRoles then ListRoleTags per role not named.
 */
import {
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
  ListRolesCommand,
  type ListRolesCommandOutput,
  type Role,
  type RoleDetail,
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
import { readRolesPerRole } from './read-roles-per-role.js';

export async function readRoles(caller: AwsCaller, query: RoleQuery, concurrency = 8): Promise<RoleReadResult> {
  if (query.roleNames.length === 0 && query.clusters.length === 0) {
    return { roles: new Map(), mode: 'account-details', warnings: [] };
  }
  let details: RoleDetail[];
  try {
    details = await walkAccountDetails(caller);
  } catch (e) {
    if (!isAccessDenied(e)) throw awsFailure('iam', 'GetAccountAuthorizationDetails', '', e);
    return readRolesPerRole(caller, query, concurrency);
  }
  const relevant = selectRelevant(details, query);
  if (relevant.length === 0) return { roles: new Map(), mode: 'account-details', warnings: [] };
  let listed: Map<string, Role>;
  try {
    listed = await walkListRoles(caller);
  } catch (e) {
    if (!isAccessDenied(e)) throw awsFailure('iam', 'ListRoles', '', e);
    return readRolesPerRole(caller, query, concurrency);
  }
  const roles = new Map<string, CurrentRole>();
  for (const [key, d] of relevant) roles.set(key, fromDetail(d, listed.get(d.RoleName ?? '')));
  return { roles, mode: 'account-details', warnings: [] };
}

/** Named roles (matched case-insensitively, as IAM names are unique that way; keyed by the config's spelling) and ours. */
function selectRelevant(details: readonly RoleDetail[], query: RoleQuery): [string, RoleDetail][] {
  const byLower = new Map(query.roleNames.map((n) => [n.toLowerCase(), n]));
  const out: [string, RoleDetail][] = [];
  for (const d of details) {
    const name = d.RoleName ?? '';
    const named = byLower.get(name.toLowerCase());
    if (named !== undefined) out.push([named, d]);
    else if (isOurs(tagRecord(d.Tags), query.clusters)) out.push([name, d]);
  }
  return out;
}

async function walkAccountDetails(caller: AwsCaller): Promise<RoleDetail[]> {
  const out: RoleDetail[] = [];
  let marker: string | undefined;
  do {
    const page: GetAccountAuthorizationDetailsCommandOutput = await caller.send(
      'iam',
      'GetAccountAuthorizationDetails',
      new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'], MaxItems: 1000, Marker: marker }),
    );
    out.push(...(page.RoleDetailList ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return out;
}

/** Every role of the account, by name, in pages of 1,000 (ListRoles carries each trust policy, not tags). */
export async function walkListRoles(caller: AwsCaller): Promise<Map<string, Role>> {
  const out = new Map<string, Role>();
  let marker: string | undefined;
  do {
    const page: ListRolesCommandOutput = await caller.send(
      'iam',
      'ListRoles',
      new ListRolesCommand({ MaxItems: 1000, Marker: marker }),
    );
    for (const r of page.Roles ?? []) if (r.RoleName) out.set(r.RoleName, r);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return out;
}

function fromDetail(d: RoleDetail, listed: Role | undefined): CurrentRole {
  const inline: Record<string, unknown> = {};
  for (const p of d.RolePolicyList ?? []) {
    if (p.PolicyName !== undefined) inline[p.PolicyName] = parsePolicy(p.PolicyDocument);
  }
  return {
    name: d.RoleName ?? '',
    arn: d.Arn ?? '',
    path: d.Path ?? '/',
    ...(listed?.Description !== undefined ? { description: listed.Description } : {}),
    maxSessionDuration: listed?.MaxSessionDuration ?? 3600,
    ...(d.PermissionsBoundary?.PermissionsBoundaryArn
      ? { permissionsBoundary: d.PermissionsBoundary.PermissionsBoundaryArn }
      : {}),
    trustPolicy: parsePolicy(d.AssumeRolePolicyDocument),
    tags: tagRecord(d.Tags),
    attachedPolicies: policyArns(d.AttachedManagedPolicies),
    inlinePolicies: inline,
  };
}
