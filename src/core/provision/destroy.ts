/**
 * What destroy removes, in reverse plane order, and only what is ours for this config's clusters: roles (policies
 * detached and deleted first; annotations that name them taken out), providers, then the documents and our
 * bucket-policy statements — and a bucket only when we created it (its tags say so) and it is empty once our
 * objects are gone, which S3 itself checks (DeleteBucket refuses a bucket with objects; the executor reports it
 * kept). Anything of the same name that is not ours is left, with a warning.
 */
import type { ClusterConfig } from '../config/types.js';
import { planAnnotationRemovals } from './annotations.js';
import { hasStatements, withoutOurStatements } from './bucket-policy.js';
import { addChange, type Planning, s3 } from './calls.js';
import { documentDiff, policyDiff } from './diff.js';
import { ownership, ownershipWords } from './ownership.js';
import { rotationStateLocation } from '../rotation/state.js';
import { providerResource } from './provider.js';
import { deleteRoleChange } from './role-delete.js';
import type { Operation } from './types.js';

export function planDestroyRoles(p: Planning): void {
  const named = new Set(p.config.roles.map((r) => r.name.toLowerCase()));
  const deleted = new Map<string, string>();
  for (const role of p.current.roles.values()) {
    if (ownership(role.tags, p.clusters) === 'ours') {
      addChange(p, deleteRoleChange(role));
      deleted.set(role.name.toLowerCase(), role.arn);
    } else if (named.has(role.name.toLowerCase())) {
      p.plan.warnings.push(`role ${role.name}: ${ownershipWords(role.tags, 'it')}; left as it is`);
    }
  }
  planAnnotationRemovals(p, deleted);
}

export function planDestroyProviders(p: Planning): void {
  for (const cluster of p.config.clusters) {
    const current = p.current.providers.get(cluster.issuer);
    if (!current) continue;
    if (ownership(current.tags, p.clusters) !== 'ours') {
      p.plan.warnings.push(`provider ${cluster.issuer}: ${ownershipWords(current.tags, 'it')}; left as it is`);
      continue;
    }
    addChange(p, {
      plane: 'provider',
      kind: 'delete',
      cluster: cluster.name,
      resource: providerResource(cluster),
      details: [`- provider ${current.arn}`, ...current.clientIds.map((c) => `- client ID ${c}`)],
      operations: [
        { service: 'iam', action: 'DeleteOpenIDConnectProvider', input: { OpenIDConnectProviderArn: current.arn } },
      ],
    });
  }
}

export function planDestroyDocuments(p: Planning): void {
  const byBucket = new Map<string, { clusters: ClusterConfig[]; objects: string[] }>();
  for (const cluster of p.config.clusters) {
    const t = cluster.publish;
    if (t.kind === 'directory') {
      // The rotation state too (when there is one): it describes documents that are gone.
      for (const path of [t.discoveryPath, t.jwksPath, rotationStateLocation(t).path])
        deleteDocument(p, cluster.name, path, path, { service: 'file', action: 'DeleteFile', input: { path } });
      continue;
    }
    const group = byBucket.get(t.bucket) ?? { clusters: [], objects: [] };
    group.clusters.push(cluster);
    // The rotation state too: left behind, it would keep a bucket irsa created from being deleted.
    for (const key of [t.discoveryKey, t.jwksKey, rotationStateLocation(t).key]) {
      const resource = `s3://${t.bucket}/${key}`;
      if (
        deleteDocument(
          p,
          cluster.name,
          `${t.bucket}/${key}`,
          resource,
          s3('DeleteObject', { Bucket: t.bucket, Key: key }),
        )
      ) {
        group.objects.push(resource);
      }
    }
    byBucket.set(t.bucket, group);
  }
  for (const [bucket, group] of byBucket) destroyBucket(p, bucket, group.clusters, group.objects);
}

/** True when the document exists and its deletion is planned. */
function deleteDocument(p: Planning, cluster: string, key: string, resource: string, op: Operation): boolean {
  const current = p.current.documents.get(key);
  if (!current) return false;
  addChange(p, {
    plane: 'documents',
    kind: 'delete',
    cluster,
    resource,
    details: documentDiff('body', current.body, undefined),
    operations: [op],
  });
  return true;
}

function destroyBucket(p: Planning, bucket: string, clusters: ClusterConfig[], objects: string[]): void {
  const current = p.current.buckets.get(bucket);
  if (!current || current.accessDenied) return;
  const sids = clusters.map((c) => c.policySid);
  const ours = ownership(current.tags, p.clusters) === 'ours';
  const operations: Operation[] = [];
  const details: string[] = [];
  if (hasStatements(current.policy, sids)) {
    const rest = withoutOurStatements(current.policy, sids);
    details.push(...policyDiff('bucket policy', current.policy, rest));
    operations.push(
      rest
        ? s3('PutBucketPolicy', { Bucket: bucket, Policy: JSON.stringify(rest) })
        : s3('DeleteBucketPolicy', { Bucket: bucket }),
    );
  }
  if (ours) {
    details.push(`- bucket ${bucket}, if it is empty once our objects are gone (S3 refuses to delete it otherwise)`);
    operations.push(s3('DeleteBucket', { Bucket: bucket }));
  }
  if (operations.length === 0) return;
  addChange(p, {
    plane: 'documents',
    kind: ours ? 'delete' : 'update',
    cluster: clusters[0].name,
    resource: `s3://${bucket}`,
    details,
    operations,
    ...(objects.length > 0 ? { dependsOn: objects } : {}),
  });
}
