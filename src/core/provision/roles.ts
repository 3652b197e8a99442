/**
 * The roles plane of an apply: one role per role name of irsa.yaml, its trust scoped by core/aws/trust-policy-
 * builder.ts (StringEquals on `:sub` and `:aud`, one statement per service account and cluster; `*` → StringLike,
 * warned), checked against IAM's trust-policy quota before anything runs, and every setting held to the file:
 * managed and inline policies, permissions boundary, session duration, description, tags. Roles of this config's
 * clusters no longer in the file are deleted; a role of the same name not tagged as ours is a conflict. Then the
 * ServiceAccounts to annotate.
 */
import { roleArn } from '../aws/arn.js';
import { checkTrustPolicyDocument } from '../aws/iam-validation.js';
import { samePolicyDocument } from '../aws/policy-normalize.js';
import { buildTrustPolicy, isWildcardTrust, serializePolicy } from '../aws/trust-policy-builder.js';
import type { ClusterConfig, RoleConfig } from '../config/types.js';
import { formatDuration } from '../duration.js';
import { planAnnotations } from './annotations.js';
import { addChange, addConflict, iam, type Planning } from './calls.js';
import { policyDiff, valueChange } from './diff.js';
import { managedTags, ownership, ownershipWords, tagChanges, tagList } from './ownership.js';
import { providerArnOf } from './provider.js';
import { deleteRoleChange, roleResource } from './role-delete.js';
import { planRoleSettings } from './role-settings.js';
import type { Change, CurrentRole } from './types.js';

export interface DesiredRole {
  config: RoleConfig;
  trust: unknown;
  tags: Record<string, string>;
  /** The cluster its tag names (the first that trusts it). */
  cluster: string;
}

export function planRoles(p: Planning): void {
  const arns = new Map<string, { arn: string; created: boolean }>();
  for (const role of p.config.roles) {
    const planned = planRole(p, role);
    if (planned) arns.set(role.name, planned);
  }
  planOrphans(p);
  planAnnotations(p, arns);
}

function clusterOf(p: Planning, name: string): ClusterConfig {
  return p.config.clusters.find((c) => c.name === name) as ClusterConfig;
}

export function desiredRole(p: Planning, role: RoleConfig): DesiredRole {
  const trust = buildTrustPolicy(
    role.trusts.map((t) => {
      const cluster = clusterOf(p, t.cluster);
      return {
        providerArn: providerArnOf(p, cluster),
        providerUrl: cluster.issuer,
        namespace: t.namespace,
        serviceAccount: t.serviceAccount,
        audience: cluster.audiences,
      };
    }),
  );
  const cluster = role.trusts[0].cluster;
  return { config: role, trust, tags: managedTags(p.config.tags, cluster, role.tags), cluster };
}

/** The role's ARN and whether this plan creates it; undefined when it is left alone (a conflict). */
function planRole(p: Planning, role: RoleConfig): { arn: string; created: boolean } | undefined {
  const desired = desiredRole(p, role);
  const resource = roleResource(role.name);
  const conflict = (message: string, hint: string) => {
    addConflict(p, { plane: 'roles', cluster: desired.cluster, resource, message, hint });
    return undefined;
  };
  const quota = checkTrustPolicyDocument(serializePolicy(desired.trust), p.config.quotas.roleTrustPolicyLength);
  if (quota) {
    return conflict(
      `the trust policy ${quota.words}`,
      'trust fewer service accounts with one role, or have AWS raise the quota ("Role trust policy length") and set quotas.roleTrustPolicyLength',
    );
  }
  warnWildcards(p, role);
  const current = p.current.roles.get(role.name);
  if (!current) {
    addChange(p, createRoleChange(desired));
    return { arn: roleArn(p.current.account.partition, p.current.account.id, role.name, role.path), created: true };
  }
  if (ownership(current.tags, p.clusters) !== 'ours' && !p.adopt) {
    return conflict(
      `${ownershipWords(current.tags, 'the role')}: it is left as it is`,
      'pass --adopt to manage it from now on (it is tagged as ours), or give the service account another role name',
    );
  }
  if (current.path !== role.path) {
    return conflict(
      `the role exists under path ${current.path}, not ${role.path}, and IAM cannot move a role`,
      `set path: ${current.path}, or delete the role so that it is created again under ${role.path}`,
    );
  }
  const change = updateRoleChange(desired, current);
  if (change) addChange(p, change);
  return { arn: current.arn, created: false };
}

function warnWildcards(p: Planning, role: RoleConfig): void {
  for (const t of role.trusts.filter(isWildcardTrust)) {
    const who =
      t.namespace === '*' && t.serviceAccount === '*'
        ? 'every ServiceAccount of every namespace'
        : t.namespace === '*'
          ? `ServiceAccount ${t.serviceAccount} of every namespace`
          : `every ServiceAccount of namespace ${t.namespace}`;
    p.plan.warnings.push(`role ${role.name} trusts ${who} on cluster ${t.cluster} (StringLike on :sub)`);
  }
}

function createRoleChange(desired: DesiredRole): Change {
  const r = desired.config;
  const RoleName = r.name;
  const tags = tagList(desired.tags);
  return {
    plane: 'roles',
    kind: 'create',
    cluster: desired.cluster,
    resource: roleResource(RoleName),
    details: [
      `+ path: ${r.path}`,
      `+ max session duration: ${formatDuration(r.maxSessionDuration)}`,
      ...(r.description !== undefined ? [`+ description: ${JSON.stringify(r.description)}`] : []),
      ...(r.permissionsBoundary !== undefined ? [`+ permissions boundary: ${r.permissionsBoundary}`] : []),
      ...policyDiff('trust policy', undefined, desired.trust),
      ...r.policies.map((arn) => `+ managed policy ${arn}`),
      ...Object.entries(r.inlinePolicies).flatMap(([name, doc]) => policyDiff(`inline policy ${name}`, undefined, doc)),
      ...tags.map((t) => `+ tag ${t.Key} = ${t.Value}`),
    ],
    operations: [
      iam('CreateRole', {
        RoleName,
        Path: r.path,
        AssumeRolePolicyDocument: serializePolicy(desired.trust),
        MaxSessionDuration: r.maxSessionDuration,
        ...(r.description !== undefined ? { Description: r.description } : {}),
        ...(r.permissionsBoundary !== undefined ? { PermissionsBoundary: r.permissionsBoundary } : {}),
        Tags: tags,
      }),
      ...r.policies.map((PolicyArn) => iam('AttachRolePolicy', { RoleName, PolicyArn })),
      ...Object.entries(r.inlinePolicies).map(([PolicyName, doc]) =>
        iam('PutRolePolicy', { RoleName, PolicyName, PolicyDocument: JSON.stringify(doc) }),
      ),
    ],
  };
}

function updateRoleChange(desired: DesiredRole, current: CurrentRole): Change | undefined {
  const RoleName = current.name;
  const { details, operations } = planRoleSettings(desired.config, current);
  if (!samePolicyDocument(current.trustPolicy, desired.trust)) {
    details.unshift(...policyDiff('trust policy', current.trustPolicy, desired.trust));
    operations.unshift(iam('UpdateAssumeRolePolicy', { RoleName, PolicyDocument: serializePolicy(desired.trust) }));
  }
  const tags = tagChanges(current.tags, desired.tags);
  if (Object.keys(tags.set).length > 0) {
    operations.push(iam('TagRole', { RoleName, Tags: tagList(tags.set) }));
    details.push(...tagList(tags.set).map((t) => valueChange(`tag ${t.Key}`, current.tags[t.Key], t.Value)));
  }
  if (tags.remove.length > 0) {
    operations.push(iam('UntagRole', { RoleName, TagKeys: tags.remove }));
    details.push(...tags.remove.map((k) => `- tag ${k} = ${current.tags[k]}`));
  }
  if (operations.length === 0) return undefined;
  return {
    plane: 'roles',
    kind: 'update',
    cluster: desired.cluster,
    resource: roleResource(RoleName),
    details,
    operations,
  };
}

/** Roles this config's clusters own that the file no longer names: deleted, as Terraform deletes what it dropped. */
function planOrphans(p: Planning): void {
  const named = new Set(p.config.roles.map((r) => r.name.toLowerCase()));
  for (const role of p.current.roles.values()) {
    if (named.has(role.name.toLowerCase()) || ownership(role.tags, p.clusters) !== 'ours') continue;
    addChange(p, deleteRoleChange(role));
  }
}
