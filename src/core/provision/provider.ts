/**
 * The provider plane: one IAM OIDC provider per cluster, its URL the issuer exactly. Created with its tags in the
 * create call; reconciled when ours (client IDs added and removed, thumbprints replaced when managed, tags); a
 * provider of that URL not tagged as ours is a conflict unless adopted. Thumbprints are managed only when listed or
 * computed (`auto`): `[]`, or `auto` that could not reach the host, leaves IAM's own in place and never drifts.
 */
import { oidcProviderArn } from '../aws/arn.js';
import type { ClusterConfig } from '../config/types.js';
import { addChange, addConflict, iam, type Planning } from './calls.js';
import { valueChange } from './diff.js';
import { managedTags, ownership, ownershipWords, tagChanges, tagList } from './ownership.js';
import type { ClusterMaterial, CurrentProvider, Operation, Tags } from './types.js';

export function providerResource(cluster: ClusterConfig): string {
  return `provider ${cluster.issuer}`;
}

/** The provider's ARN: IAM's own when it exists, else the one it will have (IAM derives it from the URL). */
export function providerArnOf(p: Planning, cluster: ClusterConfig): string {
  return (
    p.current.providers.get(cluster.issuer)?.arn ??
    oidcProviderArn(p.current.account.partition, p.current.account.id, cluster.issuer)
  );
}

export function planProviders(p: Planning, material: ReadonlyMap<string, ClusterMaterial>): void {
  for (const cluster of p.config.clusters) {
    planProvider(p, cluster, managedThumbprints(p, cluster, material.get(cluster.name)));
  }
}

/** The thumbprints to hold the provider to (upper-case), or undefined when they are not managed. */
function managedThumbprints(p: Planning, cluster: ClusterConfig, m: ClusterMaterial | undefined): string[] | undefined {
  if (cluster.thumbprints !== 'auto') return cluster.thumbprints.length > 0 ? cluster.thumbprints : undefined;
  const auto = m?.autoThumbprints;
  if (auto?.ok && auto.thumbprints.length > 0) return auto.thumbprints.map((t) => t.toUpperCase());
  const why = auto && !auto.ok ? auto.why : 'they were not computed';
  p.plan.warnings.push(
    `cluster ${cluster.name}: thumbprints left as IAM has them (${why}); IAM trusts the JWKS host through its own CA ` +
      'library first, so they matter only for a private CA',
  );
  return undefined;
}

function planProvider(p: Planning, cluster: ClusterConfig, thumbprints: string[] | undefined): void {
  const current = p.current.providers.get(cluster.issuer);
  const tags = managedTags(p.config.tags, cluster.name);
  const resource = providerResource(cluster);
  if (!current) {
    addChange(p, {
      plane: 'provider',
      kind: 'create',
      cluster: cluster.name,
      resource,
      details: [
        ...cluster.audiences.map((a) => `+ client ID ${a}`),
        ...(thumbprints ?? ['(computed by IAM)']).map((t) => `+ thumbprint ${t}`),
        ...tagList(tags).map((t) => `+ tag ${t.Key} = ${t.Value}`),
      ],
      operations: [
        iam('CreateOpenIDConnectProvider', {
          Url: cluster.issuer,
          ClientIDList: [...cluster.audiences],
          ...(thumbprints ? { ThumbprintList: thumbprints } : {}),
          Tags: tagList(tags),
        }),
      ],
    });
    return;
  }
  if (ownership(current.tags, p.clusters) !== 'ours' && !p.adopt) {
    addConflict(p, {
      plane: 'provider',
      cluster: cluster.name,
      resource,
      message: `${ownershipWords(current.tags, 'the provider')}: it is left as it is (roles still trust it)`,
      hint: 'pass --adopt to manage it from now on (it is tagged as ours), or leave it out of irsa.yaml',
    });
    return;
  }
  updateProvider(p, cluster, current, { thumbprints, tags });
}

function updateProvider(
  p: Planning,
  cluster: ClusterConfig,
  current: CurrentProvider,
  desired: { thumbprints: string[] | undefined; tags: Tags },
): void {
  const arn = current.arn;
  const ops: Operation[] = [];
  const details: string[] = [];
  for (const id of cluster.audiences.filter((a) => !current.clientIds.includes(a))) {
    ops.push(iam('AddClientIDToOpenIDConnectProvider', { OpenIDConnectProviderArn: arn, ClientID: id }));
    details.push(`+ client ID ${id}`);
  }
  for (const id of current.clientIds.filter((c) => !cluster.audiences.includes(c))) {
    ops.push(iam('RemoveClientIDFromOpenIDConnectProvider', { OpenIDConnectProviderArn: arn, ClientID: id }));
    details.push(`- client ID ${id}`);
  }
  const have = [...new Set(current.thumbprints.map((t) => t.toUpperCase()))].sort();
  const want = desired.thumbprints && [...new Set(desired.thumbprints)].sort();
  if (want && have.join() !== want.join()) {
    ops.push(iam('UpdateOpenIDConnectProviderThumbprint', { OpenIDConnectProviderArn: arn, ThumbprintList: want }));
    details.push(valueChange('thumbprints', have.join(', ') || '(none)', want.join(', ')));
  }
  const tags = tagChanges(current.tags, desired.tags);
  if (Object.keys(tags.set).length > 0) {
    ops.push(iam('TagOpenIDConnectProvider', { OpenIDConnectProviderArn: arn, Tags: tagList(tags.set) }));
    details.push(...tagList(tags.set).map((t) => valueChange(`tag ${t.Key}`, current.tags[t.Key], t.Value)));
  }
  if (tags.remove.length > 0) {
    ops.push(iam('UntagOpenIDConnectProvider', { OpenIDConnectProviderArn: arn, TagKeys: tags.remove }));
    details.push(...tags.remove.map((k) => `- tag ${k} = ${current.tags[k]}`));
  }
  if (ops.length === 0) return;
  addChange(p, {
    plane: 'provider',
    kind: 'update',
    cluster: cluster.name,
    resource: providerResource(cluster),
    details,
    operations: ops,
  });
}
