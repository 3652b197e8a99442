/**
 * The export is the planner's own answer, not a second description of irsa's resources: plan an apply of irsa.yaml
 * against an account that holds none of it, and turn each call that plan makes into the Terraform resource that
 * makes it. What the account is (its ID and partition) is not known offline, so the plan is made with
 * placeholders that the rendering turns into `data "aws_caller_identity"` / `data "aws_partition"` references.
 */
import type { IrsaConfig } from '../config/types.js';
import { E, IrsaError } from '../errors.js';
import { planApply } from '../provision/plan.js';
import {
  type ClusterMaterial,
  type CurrentBucket,
  type CurrentState,
  type Operation,
  type Plan,
  type PublicAccessBlock,
  serviceAccountKey,
  type Tags,
} from '../provision/types.js';
import { LabelSet } from './hcl.js';
import type { BucketResource, ExportModel } from './model.js';

/**
 * The account the plan is made for: the config's partition and an account ID found nowhere in the config or its
 * keys, so that every ARN built with it can be told apart and written as references.
 */
export interface Placeholders {
  account: string;
  partition: string;
}

export function placeholders(config: IrsaConfig, material: ReadonlyMap<string, ClusterMaterial>): Placeholders {
  const seen = JSON.stringify(config) + JSON.stringify([...material.values()]);
  let n = 987654321098;
  while (seen.includes(String(n))) n++;
  return { account: String(n), partition: config.partition };
}

/**
 * An account with nothing of the config in it, except what the config says exists already: buckets it does not
 * create (so their block and our policy statement are planned as on an existing bucket) and the ServiceAccounts it
 * annotates (so the annotations are planned, and listed as not exported).
 */
function emptyAccount(config: IrsaConfig, ph: Placeholders): CurrentState {
  const created = new Set(
    config.clusters.flatMap((c) => (c.publish.kind === 's3' && c.publish.create ? [c.publish.bucket] : [])),
  );
  const buckets = new Map<string, CurrentBucket>();
  for (const c of config.clusters) {
    if (c.publish.kind !== 's3' || created.has(c.publish.bucket)) continue;
    buckets.set(c.publish.bucket, { name: c.publish.bucket, region: config.region, tags: {} });
  }
  const serviceAccounts = new Map(
    config.clusters.flatMap((c) =>
      c.serviceAccounts
        .filter((sa) => sa.annotate)
        .map((sa) => [serviceAccountKey(c.name, sa.namespace, sa.name), { annotations: {} }] as const),
    ),
  );
  return {
    account: { id: ph.account, partition: ph.partition },
    providers: new Map(),
    roles: new Map(),
    buckets,
    documents: new Map(),
    serviceAccounts,
    accountPublicAccessBlock: { readable: true },
    roleReadMode: 'account-details',
    awsCalls: 0,
    warnings: [],
  };
}

/** The plan of an apply on an empty account; a conflict there (a trust policy over quota) stops the export. */
export function exportPlan(config: IrsaConfig, material: ReadonlyMap<string, ClusterMaterial>, ph: Placeholders): Plan {
  const plan = planApply(config, emptyAccount(config, ph), { material });
  const first = plan.conflicts[0];
  if (first) {
    throw new IrsaError(E.ERR_PLAN_CONFLICT, `${first.resource}: ${first.message}`, {
      ...(first.hint ? { hint: first.hint } : {}),
    });
  }
  return plan;
}

interface Labels {
  bucket: LabelSet;
  object: LabelSet;
  provider: LabelSet;
  role: LabelSet;
  attachment: LabelSet;
  inline: LabelSet;
  /** Role name → its label (attachments and inline policies point at it). */
  roleLabels: Map<string, string>;
}

/** Each call of the plan as the resource that makes it. */
export function collectResources(config: IrsaConfig, plan: Plan): ExportModel {
  const model: ExportModel = {
    region: config.region,
    buckets: [],
    objects: [],
    providers: [],
    roles: [],
    attachments: [],
    inlinePolicies: [],
    notExported: [],
  };
  const labels: Labels = {
    bucket: new LabelSet(),
    object: new LabelSet(),
    provider: new LabelSet(),
    role: new LabelSet(),
    attachment: new LabelSet(),
    inline: new LabelSet(),
    roleLabels: new Map(),
  };
  for (const change of plan.changes) {
    for (const op of change.operations) addOperation(model, labels, config, change.cluster, op);
  }
  return model;
}

function addOperation(model: ExportModel, labels: Labels, config: IrsaConfig, cluster: string, op: Operation): void {
  if (op.service === 's3') addS3(model, labels, config, cluster, op.action, op.input);
  else if (op.service === 'iam') addIam(model, labels, cluster, op.action, op.input);
  else if (op.service === 'file') {
    model.notExported.push(`file ${op.input.path} (publish.directory: irsa apply writes it)`);
  } else {
    const { namespace, name } = op.input;
    model.notExported.push(
      `annotation of ServiceAccount ${namespace}/${name} on cluster ${op.input.cluster} (annotate: true)`,
    );
  }
}

function bucketOf(model: ExportModel, labels: Labels, name: string): BucketResource {
  let bucket = model.buckets.find((b) => b.name === name);
  if (!bucket) {
    bucket = { name, label: labels.bucket.claim(name), created: false, tags: {} };
    model.buckets.push(bucket);
  }
  return bucket;
}

function addS3(
  model: ExportModel,
  labels: Labels,
  config: IrsaConfig,
  cluster: string,
  action: string,
  input: Record<string, unknown>,
): void {
  const bucket = bucketOf(model, labels, input.Bucket as string);
  switch (action) {
    case 'CreateBucket':
      bucket.created = true;
      return;
    case 'PutBucketTagging':
      bucket.tags = fromTagList((input.Tagging as { TagSet: { Key: string; Value: string }[] }).TagSet);
      return;
    case 'PutPublicAccessBlock':
      bucket.publicAccessBlock = input.PublicAccessBlockConfiguration as PublicAccessBlock;
      return;
    case 'PutBucketPolicy':
      bucket.policy = input.Policy as string;
      return;
    case 'PutObject': {
      const key = input.Key as string;
      const c = config.clusters.find((x) => x.name === cluster);
      const which = c?.publish.kind === 's3' && c.publish.jwksKey === key ? 'jwks' : 'discovery';
      model.objects.push({
        label: labels.object.claim(`${cluster}_${which}`),
        bucket: bucket.name,
        key,
        body: input.Body as string,
        contentType: input.ContentType as string,
        cacheControl: input.CacheControl as string,
      });
      return;
    }
  }
  throw new IrsaError(E.ERR_INTERNAL, `the export has no Terraform resource for S3 ${action}`);
}

function addIam(
  model: ExportModel,
  labels: Labels,
  cluster: string,
  action: string,
  input: Record<string, unknown>,
): void {
  const role = input.RoleName as string;
  const roleLabel = () => labels.roleLabels.get(role) as string;
  switch (action) {
    case 'CreateOpenIDConnectProvider': {
      const url = input.Url as string;
      model.providers.push({
        label: labels.provider.claim(cluster),
        url,
        clientIds: input.ClientIDList as string[],
        ...(input.ThumbprintList ? { thumbprints: input.ThumbprintList as string[] } : {}),
        tags: fromTagList(input.Tags as { Key: string; Value: string }[]),
      });
      return;
    }
    case 'CreateRole':
      labels.roleLabels.set(role, labels.role.claim(role));
      model.roles.push({
        label: roleLabel(),
        name: role,
        path: input.Path as string,
        trust: input.AssumeRolePolicyDocument as string,
        maxSessionDuration: input.MaxSessionDuration as number,
        ...(input.Description !== undefined ? { description: input.Description as string } : {}),
        ...(input.PermissionsBoundary !== undefined
          ? { permissionsBoundary: input.PermissionsBoundary as string }
          : {}),
        tags: fromTagList(input.Tags as { Key: string; Value: string }[]),
      });
      return;
    case 'AttachRolePolicy': {
      const policyArn = input.PolicyArn as string;
      const label = labels.attachment.claim(`${roleLabel()}_${policyArn.slice(policyArn.lastIndexOf('/') + 1)}`);
      model.attachments.push({ label, roleLabel: roleLabel(), role, policyArn });
      return;
    }
    case 'PutRolePolicy': {
      const name = input.PolicyName as string;
      const label = labels.inline.claim(`${roleLabel()}_${name}`);
      model.inlinePolicies.push({
        label,
        roleLabel: roleLabel(),
        role,
        name,
        document: input.PolicyDocument as string,
      });
      return;
    }
  }
  throw new IrsaError(E.ERR_INTERNAL, `the export has no Terraform resource for IAM ${action}`);
}

function fromTagList(list: readonly { Key: string; Value: string }[]): Tags {
  return Object.fromEntries(list.map((t) => [t.Key, t.Value]));
}
