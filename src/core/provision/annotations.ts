/**
 * `annotate: true`: the ServiceAccount carries `eks.amazonaws.com/role-arn` = its role's ARN (merged into its
 * annotations through the cluster API, after the role exists). A ServiceAccount that is not there is a warning:
 * irsa annotates, it does not create workloads' ServiceAccounts. Destroy takes the annotation out where it is ours.
 */
import { DEFAULT_ANNOTATION_PREFIX } from '../defaults.js';
import { ANNOTATIONS } from '../webhook/annotations.js';
import { addChange, type Planning } from './calls.js';
import { valueChange } from './diff.js';
import { roleResource } from './role-delete.js';
import { type Operation, serviceAccountKey } from './types.js';

export const ROLE_ARN_ANNOTATION = `${DEFAULT_ANNOTATION_PREFIX}/${ANNOTATIONS.roleArn}`;

function annotateOp(cluster: string, namespace: string, name: string, value: string | null): Operation {
  return {
    service: 'kube',
    action: 'AnnotateServiceAccount',
    input: { cluster, namespace, name, annotations: { [ROLE_ARN_ANNOTATION]: value } },
  };
}

/** `arns`: each role's ARN and whether this plan creates it (then the annotation waits for it). */
export function planAnnotations(p: Planning, arns: ReadonlyMap<string, { arn: string; created: boolean }>): void {
  for (const cluster of p.config.clusters) {
    for (const sa of cluster.serviceAccounts.filter((s) => s.annotate)) {
      const role = arns.get(sa.role);
      if (!role) continue; // the role is in conflict: nothing to point at
      const key = serviceAccountKey(cluster.name, sa.namespace, sa.name);
      const current = p.current.serviceAccounts.get(key);
      if (!current) {
        p.plan.warnings.push(
          `ServiceAccount ${sa.namespace}/${sa.name} not found on cluster ${cluster.name}: not annotated`,
        );
        continue;
      }
      const have = current.annotations[ROLE_ARN_ANNOTATION];
      if (have === role.arn) continue;
      addChange(p, {
        plane: 'roles',
        kind: 'update',
        cluster: cluster.name,
        resource: `serviceaccount ${key}`,
        details: [valueChange(`annotation ${ROLE_ARN_ANNOTATION}`, have, role.arn)],
        operations: [annotateOp(cluster.name, sa.namespace, sa.name, role.arn)],
        ...(role.created ? { dependsOn: [roleResource(sa.role)] } : {}),
      });
    }
  }
}

/** Destroy: the annotation removed where it still names the role being deleted (`deleted`: lower-case name → ARN). */
export function planAnnotationRemovals(p: Planning, deleted: ReadonlyMap<string, string>): void {
  for (const cluster of p.config.clusters) {
    for (const sa of cluster.serviceAccounts.filter((s) => s.annotate)) {
      const arn = deleted.get(sa.role.toLowerCase());
      const key = serviceAccountKey(cluster.name, sa.namespace, sa.name);
      const have = p.current.serviceAccounts.get(key)?.annotations[ROLE_ARN_ANNOTATION];
      if (arn === undefined || have !== arn) continue;
      addChange(p, {
        plane: 'roles',
        kind: 'update',
        cluster: cluster.name,
        resource: `serviceaccount ${key}`,
        details: [valueChange(`annotation ${ROLE_ARN_ANNOTATION}`, have, undefined)],
        operations: [annotateOp(cluster.name, sa.namespace, sa.name, null)],
      });
    }
  }
}
