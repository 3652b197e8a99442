/**
 * Runs one Operation of a plan (core/provision/types.ts) and makes every one safe to run again, so an apply killed
 * at any call converges when run again: a create that finds its resource already there succeeds when the resource
 * carries every tag the create asked for (roles and providers are tagged in the create call itself, so an
 * interrupted create is still recognisably ours) and fails otherwise; a delete or detach of something already gone
 * succeeds. A bucket is deleted only when empty, and otherwise kept with the reason.
 */
import * as iamSdk from '@aws-sdk/client-iam';
import * as s3Sdk from '@aws-sdk/client-s3';
import { oidcProviderArn } from '../../core/aws/arn.js';
import { E, IrsaError } from '../../core/errors.js';
import type { Operation, Tags } from '../../core/provision/types.js';
import { deleteDocumentFile, writeDocumentFile } from '../publish/directory.js';
import { type AwsCaller, awsFailure } from './aws-call.js';
import { providerUrlOfArn, tagRecord } from './iam-shapes.js';
import { sdkErrorCode } from './sdk-errors.js';

export interface OperationDeps {
  /** Needed for IAM and S3 operations. */
  caller?: AwsCaller;
  /** The account (from the readers): a provider's ARN for the ownership check after EntityAlreadyExists. */
  account?: { id: string; partition: string };
  /** Merges annotations into a ServiceAccount (the CLI hands in its cluster connection). */
  annotate?: (input: {
    cluster: string;
    namespace: string;
    name: string;
    annotations: Record<string, string | null>;
  }) => Promise<void>;
  /** Publishing directories: folders a deleted document leaves empty are removed up to (not including) these. */
  publishRoots?: readonly string[];
}

/** What one operation came to: a note when it did something other than asked (kept a bucket, found a create done). */
export interface OperationResult {
  note?: string;
  /** A delete that left its resource in place on purpose (a bucket that still holds others' objects). */
  kept?: boolean;
}

/** IAM actions whose "does not exist" means the work is already done. */
const GONE_IS_DONE: ReadonlySet<string> = new Set([
  'DeleteOpenIDConnectProvider',
  'DeleteRole',
  'DeleteRolePolicy',
  'DetachRolePolicy',
  'DeleteRolePermissionsBoundary',
  'UntagRole',
  'UntagOpenIDConnectProvider',
  'RemoveClientIDFromOpenIDConnectProvider',
]);

export async function runOperation(op: Operation, deps: OperationDeps): Promise<OperationResult> {
  switch (op.service) {
    case 'iam':
      return runIam(op, deps);
    case 's3':
      return runS3(op, deps);
    case 'file':
      if (op.action === 'WriteFile') await writeDocumentFile(op.input.path, op.input.body);
      else await deleteDocumentFile(op.input.path, rootOf(op.input.path, deps.publishRoots));
      return {};
    case 'kube':
      if (!deps.annotate) {
        throw new IrsaError(
          E.ERR_KUBE_CONTEXT,
          `no cluster connection to annotate ServiceAccount ${op.input.namespace}/${op.input.name}`,
          { hint: 'give the cluster fromCluster in irsa.yaml, or --kubeconfig/--context' },
        );
      }
      await deps.annotate(op.input);
      return {};
  }
}

function rootOf(path: string, roots: readonly string[] = []): string | undefined {
  return roots.find((r) => path.startsWith(r.endsWith('/') ? r : `${r}/`));
}

function callerOf(deps: OperationDeps): AwsCaller {
  if (!deps.caller) throw new IrsaError(E.ERR_INTERNAL, 'an AWS operation was planned without AWS clients');
  return deps.caller;
}

/** The SDK command class for an action (`CreateRole` → CreateRoleCommand). */
function command(sdk: object, action: string, input: Record<string, unknown>): unknown {
  const Command = (sdk as Record<string, unknown>)[`${action}Command`] as (new (i: unknown) => unknown) | undefined;
  if (!Command) throw new IrsaError(E.ERR_INTERNAL, `no SDK command for ${action}`);
  return new Command(input);
}

/** What the operation is about, for messages: the role, provider, bucket or object. */
export function subjectOf(input: Record<string, unknown>): string {
  const s = (k: string) => (typeof input[k] === 'string' ? (input[k] as string) : undefined);
  const bucket = s('Bucket');
  if (bucket) return s('Key') ? `s3://${bucket}/${s('Key')}` : bucket;
  return s('RoleName') ?? s('OpenIDConnectProviderArn') ?? s('Url') ?? '';
}

async function runIam(op: Extract<Operation, { service: 'iam' }>, deps: OperationDeps): Promise<OperationResult> {
  const caller = callerOf(deps);
  const propagation = op.action === 'CreateRole' || op.action === 'UpdateAssumeRolePolicy';
  try {
    await caller.send('iam', op.action, command(iamSdk, op.action, op.input), { propagation });
    return {};
  } catch (e) {
    const code = sdkErrorCode(e);
    if (code === 'NoSuchEntity' && GONE_IS_DONE.has(op.action)) return { note: 'already gone' };
    if (code === 'EntityAlreadyExists' && (op.action === 'CreateRole' || op.action === 'CreateOpenIDConnectProvider')) {
      return alreadyCreated(op, deps, e);
    }
    throw awsFailure('iam', op.action, subjectOf(op.input), e);
  }
}

/** A create that finds its resource: ours (every tag the create sets is there) counts as done; anything else fails. */
async function alreadyCreated(
  op: Extract<Operation, { service: 'iam' }>,
  deps: OperationDeps,
  cause: unknown,
): Promise<OperationResult> {
  const wanted = tagRecord(op.input.Tags as iamSdk.Tag[] | undefined);
  const found = await existingTags(op, deps);
  const ours = Object.keys(wanted).length > 0 && Object.entries(wanted).every(([k, v]) => found[k] === v);
  if (ours) return { note: 'already existed with our tags (an earlier run was interrupted): kept' };
  throw awsFailure(
    'iam',
    op.action,
    subjectOf(op.input),
    cause,
    'it exists and is not tagged as managed by irsa-anywhere for this cluster: left untouched (plan again; --adopt takes it over)',
  );
}

/** The tags of the role or provider a create found in its way. */
async function existingTags(op: Extract<Operation, { service: 'iam' }>, deps: OperationDeps): Promise<Tags> {
  const caller = callerOf(deps);
  const action = op.action === 'CreateRole' ? 'GetRole' : 'GetOpenIDConnectProvider';
  try {
    if (op.action === 'CreateRole') {
      const RoleName = op.input.RoleName as string;
      const res = await caller.send<iamSdk.GetRoleCommandOutput>(
        'iam',
        action,
        new iamSdk.GetRoleCommand({ RoleName }),
      );
      return tagRecord(res.Role?.Tags);
    }
    const arn = await providerArnFor(caller, op.input.Url as string, deps.account);
    const res = await caller.send<iamSdk.GetOpenIDConnectProviderCommandOutput>(
      'iam',
      action,
      new iamSdk.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }),
    );
    return tagRecord(res.Tags);
  } catch (e) {
    throw awsFailure('iam', action, subjectOf(op.input), e);
  }
}

/** The ARN of the provider for `url`: built from the account when known, else found in the account's list. */
async function providerArnFor(caller: AwsCaller, url: string, account: OperationDeps['account']): Promise<string> {
  if (account) return oidcProviderArn(account.partition, account.id, url);
  const res = await caller.send<iamSdk.ListOpenIDConnectProvidersCommandOutput>(
    'iam',
    'ListOpenIDConnectProviders',
    new iamSdk.ListOpenIDConnectProvidersCommand({}),
  );
  const arns = (res.OpenIDConnectProviderList ?? []).map((p) => p.Arn ?? '');
  return arns.find((arn) => providerUrlOfArn(arn) === url) ?? url;
}

async function runS3(op: Extract<Operation, { service: 's3' }>, deps: OperationDeps): Promise<OperationResult> {
  const caller = callerOf(deps);
  const bucket = op.input.Bucket as string;
  if (op.action === 'DeleteBucket') {
    const kept = await objectsLeft(caller, bucket);
    if (kept) return { note: kept, kept: true };
  }
  try {
    await caller.send('s3', op.action, command(s3Sdk, op.action, op.input));
    return {};
  } catch (e) {
    const code = sdkErrorCode(e);
    if (op.action === 'CreateBucket' && code === 'BucketAlreadyOwnedByYou') return { note: 'already existed: kept' };
    if (code === 'NoSuchBucket' && op.action.startsWith('Delete')) return { note: 'already gone' };
    throw awsFailure('s3', op.action, subjectOf(op.input), e);
  }
}

/** Why a bucket is kept (it still holds objects, named), or undefined when it is empty or gone. */
async function objectsLeft(caller: AwsCaller, bucket: string): Promise<string | undefined> {
  let res: s3Sdk.ListObjectsV2CommandOutput;
  try {
    res = await caller.send('s3', 'ListObjectsV2', new s3Sdk.ListObjectsV2Command({ Bucket: bucket, MaxKeys: 3 }));
  } catch (e) {
    if (sdkErrorCode(e) === 'NoSuchBucket') return undefined;
    throw awsFailure('s3', 'ListObjectsV2', bucket, e);
  }
  const keys = (res.Contents ?? []).map((o) => o.Key ?? '');
  if (keys.length === 0) return undefined;
  const more = res.IsTruncated ? ', …' : '';
  return `bucket ${bucket} not deleted: it still holds objects that are not ours (${keys.join(', ')}${more})`;
}
