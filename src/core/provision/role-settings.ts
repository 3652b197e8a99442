/**
 * A role's settings besides trust and tags, held to irsa.yaml: description, session duration, permissions
 * boundary, managed policies (detached before attached, so a swap at the quota fits) and inline policies.
 */
import { samePolicyDocument } from '../aws/policy-normalize.js';
import type { RoleConfig } from '../config/types.js';
import { formatDuration } from '../duration.js';
import { iam } from './calls.js';
import { policyDiff, valueChange } from './diff.js';
import type { CurrentRole, Operation } from './types.js';

export interface SettingsPlan {
  details: string[];
  operations: Operation[];
}

export function planRoleSettings(desired: RoleConfig, current: CurrentRole): SettingsPlan {
  const out: SettingsPlan = { details: [], operations: [] };
  updateRole(desired, current, out);
  boundary(desired, current, out);
  managedPolicies(desired, current, out);
  inlinePolicies(desired, current, out);
  return out;
}

/** UpdateRole: description ('' and absent are the same to IAM) and the maximum session duration. */
function updateRole(desired: RoleConfig, current: CurrentRole, out: SettingsPlan): void {
  const input: Record<string, unknown> = { RoleName: current.name };
  const description = desired.description ?? '';
  if (description !== (current.description ?? '')) {
    input.Description = description;
    out.details.push(
      valueChange(
        'description',
        current.description ? JSON.stringify(current.description) : undefined,
        description ? JSON.stringify(description) : undefined,
      ),
    );
  }
  if (desired.maxSessionDuration !== current.maxSessionDuration) {
    input.MaxSessionDuration = desired.maxSessionDuration;
    out.details.push(
      valueChange(
        'max session duration',
        formatDuration(current.maxSessionDuration),
        formatDuration(desired.maxSessionDuration),
      ),
    );
  }
  if (Object.keys(input).length > 1) out.operations.push(iam('UpdateRole', input));
}

function boundary(desired: RoleConfig, current: CurrentRole, out: SettingsPlan): void {
  const want = desired.permissionsBoundary;
  if (want === current.permissionsBoundary) return;
  out.details.push(valueChange('permissions boundary', current.permissionsBoundary, want));
  out.operations.push(
    want === undefined
      ? iam('DeleteRolePermissionsBoundary', { RoleName: current.name })
      : iam('PutRolePermissionsBoundary', { RoleName: current.name, PermissionsBoundary: want }),
  );
}

function managedPolicies(desired: RoleConfig, current: CurrentRole, out: SettingsPlan): void {
  const RoleName = current.name;
  for (const arn of current.attachedPolicies.filter((a) => !desired.policies.includes(a))) {
    out.details.push(`- managed policy ${arn}`);
    out.operations.push(iam('DetachRolePolicy', { RoleName, PolicyArn: arn }));
  }
  for (const arn of desired.policies.filter((a) => !current.attachedPolicies.includes(a))) {
    out.details.push(`+ managed policy ${arn}`);
    out.operations.push(iam('AttachRolePolicy', { RoleName, PolicyArn: arn }));
  }
}

function inlinePolicies(desired: RoleConfig, current: CurrentRole, out: SettingsPlan): void {
  const RoleName = current.name;
  for (const name of Object.keys(current.inlinePolicies).filter((n) => !Object.hasOwn(desired.inlinePolicies, n))) {
    out.details.push(...policyDiff(`inline policy ${name}`, current.inlinePolicies[name], undefined));
    out.operations.push(iam('DeleteRolePolicy', { RoleName, PolicyName: name }));
  }
  for (const [name, doc] of Object.entries(desired.inlinePolicies)) {
    const have = Object.hasOwn(current.inlinePolicies, name) ? current.inlinePolicies[name] : undefined;
    if (have !== undefined && samePolicyDocument(have, doc)) continue;
    out.details.push(...policyDiff(`inline policy ${name}`, have, doc));
    out.operations.push(iam('PutRolePolicy', { RoleName, PolicyName: name, PolicyDocument: JSON.stringify(doc) }));
  }
}
