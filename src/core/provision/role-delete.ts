/** Deleting a role as IAM requires: its managed policies detached and inline policies deleted first. */
import { iam } from './calls.js';
import { type Change, CLUSTER_TAG, type CurrentRole } from './types.js';

export function roleResource(name: string): string {
  return `role ${name}`;
}

export function deleteRoleChange(role: CurrentRole): Change {
  const RoleName = role.name;
  const inline = Object.keys(role.inlinePolicies);
  return {
    plane: 'roles',
    kind: 'delete',
    cluster: role.tags[CLUSTER_TAG] ?? '',
    resource: roleResource(RoleName),
    details: [
      ...role.attachedPolicies.map((arn) => `- managed policy ${arn} (detached)`),
      ...inline.map((name) => `- inline policy ${name}`),
      `- role ${role.arn}`,
    ],
    operations: [
      ...role.attachedPolicies.map((PolicyArn) => iam('DetachRolePolicy', { RoleName, PolicyArn })),
      ...inline.map((PolicyName) => iam('DeleteRolePolicy', { RoleName, PolicyName })),
      iam('DeleteRole', { RoleName }),
    ],
  };
}
