/**
 * The documents plane of an apply: both documents exactly as `irsa issuer discovery` / `irsa issuer jwks` make
 * them, published to a directory or an S3 prefix (Content-Type application/json, Cache-Control at most an hour),
 * with the bucket made ready first — created and tagged when asked and absent, its public-access block written,
 * our policy statement merged in.
 */
import { samePolicyDocument } from '../aws/policy-normalize.js';
import type { ClusterConfig, S3Publish } from '../config/types.js';
import { E, IrsaError } from '../errors.js';
import { buildDiscovery, serializeDiscovery } from '../issuer/discovery.js';
import { type Jwks, serializeJwks } from '../issuer/jwks.js';
import {
  blockingAccountSettings,
  PUBLIC_ACCESS_BLOCK,
  publicAccessBlockChanges,
  publishStatement,
  withOurStatements,
} from './bucket-policy.js';
import { addChange, addConflict, type Planning, s3 } from './calls.js';
import { documentDiff, policyDiff, valueChange } from './diff.js';
import { managedTags, ownership, tagList } from './ownership.js';
import type { Change, ClusterMaterial, CurrentBucket, Operation } from './types.js';

export const DOCUMENT_CONTENT_TYPE = 'application/json';

export interface DesiredDocuments {
  discovery: string;
  jwks: string;
}

/** The exact bytes kube-apiserver would serve for this issuer and key set. */
export function desiredDocuments(cluster: ClusterConfig, jwks: Jwks): DesiredDocuments {
  return {
    discovery: serializeDiscovery(buildDiscovery(cluster.issuer, cluster.jwksUri, jwks)),
    jwks: serializeJwks(jwks),
  };
}

interface BucketGroup {
  bucket: string;
  members: { cluster: ClusterConfig; target: S3Publish }[];
}

export function planDocuments(p: Planning, material: ReadonlyMap<string, ClusterMaterial>): void {
  const groups = bucketGroups(p.config.clusters);
  const publicOk = groups.length === 0 || accountAllowsPublicPolicy(p);
  const ready = new Map<string, string[] | undefined>();
  for (const group of groups) {
    const state = planBucket(p, group, publicOk);
    if (state.ready) ready.set(group.bucket, state.dependsOn);
  }
  for (const cluster of p.config.clusters) {
    const docs = desiredDocuments(cluster, materialOf(material, cluster.name).jwks);
    const t = cluster.publish;
    if (t.kind === 'directory') {
      fileChange(p, cluster.name, t.discoveryPath, docs.discovery, 'discovery document');
      fileChange(p, cluster.name, t.jwksPath, docs.jwks, 'JWKS');
    } else if (ready.has(t.bucket)) {
      const after = ready.get(t.bucket);
      objectChange(p, cluster.name, t, t.discoveryKey, docs.discovery, after);
      objectChange(p, cluster.name, t, t.jwksKey, docs.jwks, after);
    }
  }
}

function materialOf(material: ReadonlyMap<string, ClusterMaterial>, cluster: string): ClusterMaterial {
  const m = material.get(cluster);
  // The shell gathers material for every cluster before planning: a missing one is a bug, not a user error.
  if (!m) throw new IrsaError(E.ERR_INTERNAL, `no key set was gathered for cluster ${cluster} before planning`);
  return m;
}

function bucketGroups(clusters: readonly ClusterConfig[]): BucketGroup[] {
  const groups = new Map<string, BucketGroup>();
  for (const cluster of clusters) {
    const t = cluster.publish;
    if (t.kind !== 's3') continue;
    const g = groups.get(t.bucket) ?? { bucket: t.bucket, members: [] };
    g.members.push({ cluster, target: t });
    groups.set(t.bucket, g);
  }
  return [...groups.values()];
}

/** Refuses public publishing the account's own block would stop; a block that cannot be read is a warning. */
function accountAllowsPublicPolicy(p: Planning): boolean {
  const account = p.current.accountPublicAccessBlock;
  if (!account.readable) {
    p.plan.warnings.push(
      `the account's S3 Block Public Access settings could not be read (${account.why}): if BlockPublicPolicy or ` +
        'RestrictPublicBuckets is on for the account, the published documents cannot be read anonymously',
    );
    return true;
  }
  const blocking = blockingAccountSettings(account.block);
  if (blocking.length === 0) return true;
  addConflict(p, {
    plane: 'documents',
    cluster: p.config.clusters[0].name,
    resource: 'account public-access block',
    message:
      `${blocking.join(' and ')} ${blocking.length === 1 ? 'is' : 'are'} on for the whole account: S3 would refuse ` +
      'the public-read bucket policy or anonymous reads through it, so AWS STS could not read the documents',
    hint: 'turn the setting off in the account’s S3 Block Public Access, or publish through a directory served by a host of your own',
  });
  return false;
}

function planBucket(p: Planning, group: BucketGroup, publicOk: boolean): { ready: boolean; dependsOn?: string[] } {
  const current = p.current.buckets.get(group.bucket);
  const cluster = group.members[0].cluster.name;
  const resource = `s3://${group.bucket}`;
  const conflict = (message: string, hint?: string) => {
    addConflict(p, { plane: 'documents', cluster, resource, message, ...(hint ? { hint } : {}) });
    return { ready: false };
  };
  if (current?.accessDenied) {
    return conflict('the bucket exists but this account cannot read it (another account’s, or no permission)');
  }
  if (!current) {
    if (!group.members.some((m) => m.target.create)) {
      return conflict('the bucket does not exist', 'create it, or set publish.s3.create: true');
    }
    addChange(p, createBucketChange(p, group, publicOk));
    return { ready: true, dependsOn: [resource] };
  }
  if (current.region !== undefined && current.region !== p.config.region) {
    return conflict(`the bucket is in ${current.region}, not in ${p.config.region} (region in irsa.yaml)`);
  }
  const change = updateBucketChange(p, group, current, publicOk);
  if (change) addChange(p, change);
  return { ready: true };
}

function ourStatements(p: Planning, group: BucketGroup) {
  return group.members.map((m) => publishStatement(m.cluster.policySid, m.target, p.current.account.partition));
}

function createBucketChange(p: Planning, group: BucketGroup, publicOk: boolean): Change {
  const Bucket = group.bucket;
  const tags = managedTags(p.config.tags, group.members[0].cluster.name);
  const policy = withOurStatements(undefined, ourStatements(p, group));
  const region = p.config.region;
  const operations: Operation[] = [
    // us-east-1 is the one region S3 takes without (and refuses with) a LocationConstraint.
    s3('CreateBucket', {
      Bucket,
      ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region } }),
    }),
    s3('PutBucketTagging', { Bucket, Tagging: { TagSet: tagList(tags) } }),
    s3('PutPublicAccessBlock', { Bucket, PublicAccessBlockConfiguration: { ...PUBLIC_ACCESS_BLOCK } }),
    ...(publicOk ? [s3('PutBucketPolicy', { Bucket, Policy: JSON.stringify(policy) })] : []),
  ];
  return {
    plane: 'documents',
    kind: 'create',
    cluster: group.members[0].cluster.name,
    resource: `s3://${Bucket}`,
    details: [
      `+ region: ${region}`,
      ...tagList(tags).map((t) => `+ tag ${t.Key} = ${t.Value}`),
      '+ public-access block (ACLs blocked, public bucket policies allowed):',
      ...publicAccessBlockChanges(undefined).map((l) => `    ${l}`),
      ...(publicOk ? policyDiff('bucket policy', undefined, policy) : []),
    ],
    operations,
  };
}

function updateBucketChange(p: Planning, group: BucketGroup, current: CurrentBucket, publicOk: boolean) {
  const Bucket = group.bucket;
  const details: string[] = [];
  const operations: Operation[] = [];
  if (ownership(current.tags, p.clusters) === 'ours') {
    const tags = managedTags(p.config.tags, group.members[0].cluster.name);
    if (!sameTags(current.tags, tags)) {
      details.push(...tagList(tags).map((t) => valueChange(`tag ${t.Key}`, current.tags[t.Key], t.Value)));
      operations.push(s3('PutBucketTagging', { Bucket, Tagging: { TagSet: tagList(tags) } }));
    }
  }
  const block = publicAccessBlockChanges(current.publicAccessBlock);
  if (block.length > 0) {
    details.push(
      '~ public-access block (ACLs blocked, public bucket policies allowed):',
      ...block.map((l) => `    ${l}`),
    );
    operations.push(s3('PutPublicAccessBlock', { Bucket, PublicAccessBlockConfiguration: { ...PUBLIC_ACCESS_BLOCK } }));
  }
  const policy = withOurStatements(current.policy, ourStatements(p, group));
  if (publicOk && !samePolicyDocument(current.policy ?? null, policy)) {
    details.push(...policyDiff('bucket policy', current.policy, policy));
    operations.push(s3('PutBucketPolicy', { Bucket, Policy: JSON.stringify(policy) }));
  }
  if (operations.length === 0) return undefined;
  const cluster = group.members[0].cluster.name;
  return { plane: 'documents', kind: 'update', cluster, resource: `s3://${Bucket}`, details, operations } as Change;
}

function sameTags(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function objectChange(p: Planning, cluster: string, t: S3Publish, key: string, body: string, after?: string[]) {
  const current = p.current.documents.get(`${t.bucket}/${key}`);
  const same =
    current?.body === body && current.contentType === DOCUMENT_CONTENT_TYPE && current.cacheControl === t.cacheControl;
  if (same) return;
  const details = [
    ...(current?.contentType === DOCUMENT_CONTENT_TYPE
      ? []
      : [valueChange('Content-Type', current?.contentType, DOCUMENT_CONTENT_TYPE)]),
    ...(current?.cacheControl === t.cacheControl
      ? []
      : [valueChange('Cache-Control', current?.cacheControl, t.cacheControl)]),
    ...(current?.body === body ? [] : documentDiff('body', current?.body, body)),
  ];
  addChange(p, {
    plane: 'documents',
    kind: current ? 'update' : 'create',
    cluster,
    resource: `s3://${t.bucket}/${key}`,
    details,
    operations: [
      s3('PutObject', {
        Bucket: t.bucket,
        Key: key,
        Body: body,
        ContentType: DOCUMENT_CONTENT_TYPE,
        CacheControl: t.cacheControl,
      }),
    ],
    ...(after ? { dependsOn: after } : {}),
  });
}

function fileChange(p: Planning, cluster: string, path: string, body: string, what: string): void {
  const current = p.current.documents.get(path);
  if (current?.body === body) return;
  addChange(p, {
    plane: 'documents',
    kind: current ? 'update' : 'create',
    cluster,
    resource: path,
    details: documentDiff(what, current?.body, body),
    operations: [{ service: 'file', action: 'WriteFile', input: { path, body } }],
  });
}
