// A tiny pure "apply to state": runs a Plan's operations against a CurrentState the way IAM, S3, a directory and
// the cluster API would (as far as the planner's readers see them), so planner tests can check that a plan on the
// state its own apply produced is empty, without any AWS. With `reformat`, stored policies come back the way other
// tools and AWS may hand them (keys in another order, single values wrapped in lists, condition keys in upper
// case), which the planner must read as the same.
import { oidcProviderArn, roleArn } from '../../src/core/aws/arn.js';
import {
  type CurrentRole,
  type CurrentState,
  type Operation,
  type Plan,
  type PublicAccessBlock,
  serviceAccountKey,
  type Tags,
} from '../../src/core/provision/types.js';

// biome-ignore lint/suspicious/noExplicitAny: operation inputs (SDK shapes) are read freely here
type Loose = any;

export const ACCOUNT = { id: '111122223333', partition: 'aws' };
/** What IAM stores when CreateOpenIDConnectProvider is given no thumbprints (its own, of the host's chain). */
export const IAM_OWN_THUMBPRINT = '0123456789ABCDEF0123456789ABCDEF01234567';

export function emptyState(overrides: Partial<CurrentState> = {}): CurrentState {
  return {
    account: { ...ACCOUNT },
    providers: new Map(),
    roles: new Map(),
    buckets: new Map(),
    documents: new Map(),
    serviceAccounts: new Map(),
    accountPublicAccessBlock: { readable: true },
    roleReadMode: 'account-details',
    awsCalls: 0,
    warnings: [],
    ...overrides,
  };
}

/** A deep copy, so a test's state is never changed behind its back. */
export function cloneState(s: CurrentState): CurrentState {
  const copy = <T>(m: Map<string, T>) => new Map([...m].map(([k, v]) => [k, structuredClone(v)]));
  return {
    ...s,
    account: { ...s.account },
    providers: copy(s.providers),
    roles: copy(s.roles),
    buckets: copy(s.buckets),
    documents: copy(s.documents),
    serviceAccounts: copy(s.serviceAccounts),
  };
}

export interface SimOptions {
  reformat?: boolean;
}

/** The state after every change of the plan ran, in order; a call AWS would refuse throws. */
export function applyPlan(state: CurrentState, plan: Plan, options: SimOptions = {}): CurrentState {
  const next = cloneState(state);
  for (const change of plan.changes) for (const op of change.operations) run(next, op, options);
  return next;
}

function run(s: CurrentState, op: Operation, options: SimOptions): void {
  const i = op.input as Record<string, Loose>;
  if (op.service === 'iam') iamOp(s, op.action, i, options);
  else if (op.service === 's3') s3Op(s, op.action, i, options);
  else if (op.service === 'file') {
    if (op.action === 'WriteFile') s.documents.set(i.path, { key: i.path, body: i.body });
    else s.documents.delete(i.path);
  } else {
    const key = serviceAccountKey(i.cluster, i.namespace, i.name);
    const sa = s.serviceAccounts.get(key);
    if (!sa) throw new Error(`no ServiceAccount ${key}`);
    for (const [k, v] of Object.entries(i.annotations as Record<string, string | null>)) {
      if (v === null) delete sa.annotations[k];
      else sa.annotations[k] = v;
    }
  }
}

function tagsOf(list: { Key: string; Value: string }[]): Tags {
  return Object.fromEntries(list.map((t) => [t.Key, t.Value]));
}

const LISTABLE = new Set(['Action', 'NotAction', 'Resource', 'NotResource', 'Federated', 'AWS', 'Service']);

/** Keys reversed, one-element lists for single values, condition keys in upper case: the same policy to IAM. */
export function reformatPolicy(doc: unknown, level: 'any' | 'condition' | 'operator' = 'any'): unknown {
  if (Array.isArray(doc)) return doc.map((d) => reformatPolicy(d));
  if (!doc || typeof doc !== 'object') return doc;
  const entries = Object.entries(doc as Record<string, unknown>).reverse();
  return Object.fromEntries(
    entries.map(([k, v]) => {
      const key = level === 'operator' ? k.toUpperCase() : k;
      if (typeof v === 'string' && (LISTABLE.has(k) || level === 'operator')) return [key, [v]];
      const child = level === 'any' && k === 'Condition' ? 'condition' : level === 'condition' ? 'operator' : 'any';
      return [key, reformatPolicy(v, child)];
    }),
  );
}

function storedPolicy(text: string, options: SimOptions): unknown {
  const doc = JSON.parse(text);
  return options.reformat ? reformatPolicy(doc) : doc;
}

function provider(s: CurrentState, arn: string) {
  const p = [...s.providers.values()].find((x) => x.arn === arn);
  if (!p) throw new Error(`NoSuchEntity: provider ${arn}`);
  return p;
}

function role(s: CurrentState, name: string): CurrentRole {
  const r = s.roles.get(name);
  if (!r) throw new Error(`NoSuchEntity: role ${name}`);
  return r;
}

function iamOp(s: CurrentState, action: string, i: Record<string, Loose>, options: SimOptions): void {
  if (action.includes('OpenIDConnectProvider')) {
    providerOp(s, action, i);
    return;
  }
  if (action === 'CreateRole') {
    if (s.roles.has(i.RoleName)) throw new Error(`EntityAlreadyExists: role ${i.RoleName}`);
    s.roles.set(i.RoleName, {
      name: i.RoleName,
      arn: roleArn(s.account.partition, s.account.id, i.RoleName, i.Path),
      path: i.Path,
      ...(i.Description ? { description: i.Description } : {}),
      maxSessionDuration: i.MaxSessionDuration ?? 3600,
      ...(i.PermissionsBoundary ? { permissionsBoundary: i.PermissionsBoundary } : {}),
      trustPolicy: storedPolicy(i.AssumeRolePolicyDocument, options),
      tags: tagsOf(i.Tags ?? []),
      attachedPolicies: [],
      inlinePolicies: {},
    });
    return;
  }
  const r = role(s, i.RoleName);
  roleOp(s, r, action, i, options);
}

function roleOp(s: CurrentState, r: CurrentRole, action: string, i: Record<string, Loose>, options: SimOptions): void {
  switch (action) {
    case 'UpdateAssumeRolePolicy':
      r.trustPolicy = storedPolicy(i.PolicyDocument, options);
      return;
    case 'UpdateRole':
      if (i.Description !== undefined) r.description = i.Description === '' ? undefined : i.Description;
      if (i.MaxSessionDuration !== undefined) r.maxSessionDuration = i.MaxSessionDuration;
      return;
    case 'PutRolePermissionsBoundary':
      r.permissionsBoundary = i.PermissionsBoundary;
      return;
    case 'DeleteRolePermissionsBoundary':
      delete r.permissionsBoundary;
      return;
    case 'TagRole':
      Object.assign(r.tags, tagsOf(i.Tags));
      return;
    case 'UntagRole':
      for (const k of i.TagKeys) delete r.tags[k];
      return;
    case 'AttachRolePolicy':
      if (r.attachedPolicies.length >= 10) throw new Error('LimitExceeded: PoliciesPerRole');
      if (!r.attachedPolicies.includes(i.PolicyArn)) r.attachedPolicies.push(i.PolicyArn);
      return;
    case 'DetachRolePolicy':
      if (!r.attachedPolicies.includes(i.PolicyArn)) throw new Error(`NoSuchEntity: ${i.PolicyArn}`);
      r.attachedPolicies = r.attachedPolicies.filter((a) => a !== i.PolicyArn);
      return;
    case 'PutRolePolicy':
      r.inlinePolicies[i.PolicyName] = storedPolicy(i.PolicyDocument, options);
      return;
    case 'DeleteRolePolicy':
      delete r.inlinePolicies[i.PolicyName];
      return;
    case 'DeleteRole':
      if (r.attachedPolicies.length || Object.keys(r.inlinePolicies).length) throw new Error('DeleteConflict');
      s.roles.delete(r.name);
      return;
    default:
      throw new Error(`unknown IAM action ${action}`);
  }
}

function providerOp(s: CurrentState, action: string, i: Record<string, Loose>): void {
  if (action === 'CreateOpenIDConnectProvider') {
    if (s.providers.has(i.Url)) throw new Error(`EntityAlreadyExists: provider ${i.Url}`);
    s.providers.set(i.Url, {
      arn: oidcProviderArn(s.account.partition, s.account.id, i.Url),
      url: i.Url,
      clientIds: [...i.ClientIDList],
      thumbprints: i.ThumbprintList ? [...i.ThumbprintList] : [IAM_OWN_THUMBPRINT],
      tags: tagsOf(i.Tags ?? []),
    });
    return;
  }
  const p = provider(s, i.OpenIDConnectProviderArn);
  if (action === 'AddClientIDToOpenIDConnectProvider' && !p.clientIds.includes(i.ClientID))
    p.clientIds.push(i.ClientID);
  if (action === 'RemoveClientIDFromOpenIDConnectProvider') p.clientIds = p.clientIds.filter((c) => c !== i.ClientID);
  // IAM hands thumbprints back as they were given; lower case here, to check the planner ignores case.
  if (action === 'UpdateOpenIDConnectProviderThumbprint')
    p.thumbprints = i.ThumbprintList.map((t: string) => t.toLowerCase());
  if (action === 'TagOpenIDConnectProvider') Object.assign(p.tags, tagsOf(i.Tags));
  if (action === 'UntagOpenIDConnectProvider') for (const k of i.TagKeys) delete p.tags[k];
  if (action === 'DeleteOpenIDConnectProvider') s.providers.delete(p.url);
}

function s3Op(s: CurrentState, action: string, i: Record<string, Loose>, options: SimOptions): void {
  const bucket = () => {
    const b = s.buckets.get(i.Bucket);
    if (!b) throw new Error(`NoSuchBucket: ${i.Bucket}`);
    return b;
  };
  switch (action) {
    case 'CreateBucket':
      if (s.buckets.has(i.Bucket)) throw new Error('BucketAlreadyOwnedByYou');
      s.buckets.set(i.Bucket, {
        name: i.Bucket,
        region: i.CreateBucketConfiguration?.LocationConstraint ?? 'us-east-1',
        tags: {},
        // New buckets block everything, as S3 has since April 2023.
        publicAccessBlock: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      });
      return;
    case 'PutBucketTagging':
      bucket().tags = tagsOf(i.Tagging.TagSet);
      return;
    case 'PutPublicAccessBlock':
      bucket().publicAccessBlock = { ...(i.PublicAccessBlockConfiguration as PublicAccessBlock) };
      return;
    case 'PutBucketPolicy':
      if (bucket().publicAccessBlock?.BlockPublicPolicy) throw new Error('AccessDenied: public policy blocked');
      bucket().policy = storedPolicy(i.Policy, options);
      return;
    case 'DeleteBucketPolicy':
      delete bucket().policy;
      return;
    case 'PutObject':
      bucket();
      s.documents.set(`${i.Bucket}/${i.Key}`, {
        key: i.Key,
        body: i.Body,
        contentType: i.ContentType,
        cacheControl: i.CacheControl,
      });
      return;
    case 'DeleteObject':
      s.documents.delete(`${i.Bucket}/${i.Key}`);
      return;
    case 'DeleteBucket':
      // S3 refuses a bucket with objects in it; the executor reports it kept.
      if (![...s.documents.keys()].some((k) => k.startsWith(`${i.Bucket}/`))) s.buckets.delete(i.Bucket);
      return;
    default:
      throw new Error(`unknown S3 action ${action}`);
  }
}
