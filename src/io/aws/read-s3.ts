/**
 * The S3 side of publishing as it is: each bucket (where it lives, its tags, its policy, its public-access block),
 * the published objects (body, Content-Type, Cache-Control), and the account's Block Public Access (S3 Control),
 * which may be unreadable without that being an error: the plan then warns instead of refusing.
 */
import {
  GetBucketLocationCommand,
  type GetBucketLocationCommandOutput,
  GetBucketPolicyCommand,
  type GetBucketPolicyCommandOutput,
  GetBucketTaggingCommand,
  type GetBucketTaggingCommandOutput,
  GetObjectCommand,
  type GetObjectCommandOutput,
  GetPublicAccessBlockCommand,
  type GetPublicAccessBlockCommandOutput,
  HeadBucketCommand,
  type HeadBucketCommandOutput,
  type PublicAccessBlockConfiguration,
} from '@aws-sdk/client-s3';
import {
  GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand,
  type GetPublicAccessBlockCommandOutput as GetAccountPublicAccessBlockOutput,
} from '@aws-sdk/client-s3-control';
import type {
  CurrentBucket,
  CurrentDocument,
  CurrentState,
  PublicAccessBlock,
  Tags,
} from '../../core/provision/types.js';
import { type AwsCaller, awsFailure } from './aws-call.js';
import { mapLimit } from './limit.js';
import { describeAwsFailure, sdkErrorCode, sdkErrorStatus } from './sdk-errors.js';

export interface BucketQuery {
  name: string;
  keys: readonly string[];
}

export interface S3ReadResult {
  buckets: Map<string, CurrentBucket>;
  /** By `bucket/key`. */
  documents: Map<string, CurrentDocument>;
}

const isMissing = (e: unknown, ...codes: string[]) => codes.includes(sdkErrorCode(e)) || sdkErrorStatus(e) === 404;

export async function readBuckets(
  caller: AwsCaller,
  buckets: readonly BucketQuery[],
  concurrency = 8,
): Promise<S3ReadResult> {
  const out: S3ReadResult = { buckets: new Map(), documents: new Map() };
  await mapLimit(buckets, concurrency, async (q) => {
    const bucket = await readBucket(caller, q.name);
    if (!bucket) return;
    out.buckets.set(q.name, bucket);
    const docs = await mapLimit(q.keys, concurrency, (key) => readObject(caller, q.name, key));
    for (const d of docs) if (d) out.documents.set(`${q.name}/${d.key}`, d);
  });
  return out;
}

/** The bucket, or undefined when it does not exist. One it exists but may not be read (another account's) fails. */
export async function readBucket(caller: AwsCaller, name: string): Promise<CurrentBucket | undefined> {
  let head: HeadBucketCommandOutput;
  try {
    head = await caller.send('s3', 'HeadBucket', new HeadBucketCommand({ Bucket: name }));
  } catch (e) {
    if (isMissing(e, 'NotFound', 'NoSuchBucket')) return undefined;
    if (sdkErrorStatus(e) === 403) {
      const hint = 'the bucket exists but these credentials may not use it: it may belong to another account';
      throw awsFailure('s3', 'HeadBucket', name, e, hint);
    }
    throw awsFailure('s3', 'HeadBucket', name, e);
  }
  const [region, tags, policy, publicAccessBlock] = await Promise.all([
    head.BucketRegion ?? bucketLocation(caller, name),
    bucketTags(caller, name),
    bucketPolicy(caller, name),
    bucketPublicAccessBlock(caller, name),
  ]);
  return {
    name,
    region,
    tags,
    ...(policy !== undefined ? { policy } : {}),
    ...(publicAccessBlock ? { publicAccessBlock } : {}),
  };
}

async function bucketLocation(caller: AwsCaller, name: string): Promise<string> {
  try {
    const res: GetBucketLocationCommandOutput = await caller.send(
      's3',
      'GetBucketLocation',
      new GetBucketLocationCommand({ Bucket: name }),
    );
    // us-east-1 answers no constraint (and the oldest buckets `EU`).
    const c = res.LocationConstraint as string | undefined;
    return !c ? 'us-east-1' : c === 'EU' ? 'eu-west-1' : c;
  } catch (e) {
    throw awsFailure('s3', 'GetBucketLocation', name, e);
  }
}

async function bucketTags(caller: AwsCaller, name: string): Promise<Tags> {
  try {
    const res: GetBucketTaggingCommandOutput = await caller.send(
      's3',
      'GetBucketTagging',
      new GetBucketTaggingCommand({ Bucket: name }),
    );
    return Object.fromEntries((res.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  } catch (e) {
    if (isMissing(e, 'NoSuchTagSet', 'NoSuchTagSetError')) return {};
    throw awsFailure('s3', 'GetBucketTagging', name, e);
  }
}

async function bucketPolicy(caller: AwsCaller, name: string): Promise<unknown> {
  let text: string | undefined;
  try {
    const res: GetBucketPolicyCommandOutput = await caller.send(
      's3',
      'GetBucketPolicy',
      new GetBucketPolicyCommand({ Bucket: name }),
    );
    text = res.Policy;
  } catch (e) {
    if (isMissing(e, 'NoSuchBucketPolicy')) return undefined;
    throw awsFailure('s3', 'GetBucketPolicy', name, e);
  }
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function bucketPublicAccessBlock(caller: AwsCaller, name: string): Promise<PublicAccessBlock | undefined> {
  try {
    const res: GetPublicAccessBlockCommandOutput = await caller.send(
      's3',
      'GetPublicAccessBlock',
      new GetPublicAccessBlockCommand({ Bucket: name }),
    );
    return fourSettings(res.PublicAccessBlockConfiguration);
  } catch (e) {
    if (isMissing(e, 'NoSuchPublicAccessBlockConfiguration')) return undefined;
    throw awsFailure('s3', 'GetPublicAccessBlock', name, e);
  }
}

/** An unset setting is off, as S3 treats it. */
function fourSettings(c: PublicAccessBlockConfiguration | undefined): PublicAccessBlock {
  return {
    BlockPublicAcls: c?.BlockPublicAcls === true,
    IgnorePublicAcls: c?.IgnorePublicAcls === true,
    BlockPublicPolicy: c?.BlockPublicPolicy === true,
    RestrictPublicBuckets: c?.RestrictPublicBuckets === true,
  };
}

/** One published object, or undefined when absent; `lastModified`: with S3's Last-Modified (key rotation). */
export async function readObject(
  caller: AwsCaller,
  bucket: string,
  key: string,
  options: { lastModified?: boolean } = {},
): Promise<CurrentDocument | undefined> {
  try {
    const res: GetObjectCommandOutput = await caller.send(
      's3',
      'GetObject',
      new GetObjectCommand({ Bucket: bucket, Key: key }),
    );
    const body = (await res.Body?.transformToString('utf8')) ?? '';
    return {
      key,
      body,
      ...(res.ContentType !== undefined ? { contentType: res.ContentType } : {}),
      ...(res.CacheControl !== undefined ? { cacheControl: res.CacheControl } : {}),
      ...(options.lastModified && res.LastModified ? { lastModifiedMs: res.LastModified.getTime() } : {}),
    };
  } catch (e) {
    if (isMissing(e, 'NoSuchKey')) return undefined;
    throw awsFailure('s3', 'GetObject', `s3://${bucket}/${key}`, e);
  }
}

/** The account's Block Public Access; any failure (refused, not implemented, no network) is `why`, never thrown. */
export async function readAccountPublicAccessBlock(
  caller: AwsCaller,
  accountId: string,
): Promise<CurrentState['accountPublicAccessBlock']> {
  try {
    const res: GetAccountPublicAccessBlockOutput = await caller.send(
      's3control',
      'GetPublicAccessBlock',
      new GetAccountPublicAccessBlockCommand({ AccountId: accountId }),
    );
    return { readable: true, block: fourSettings(res.PublicAccessBlockConfiguration) };
  } catch (e) {
    if (sdkErrorCode(e) === 'NoSuchPublicAccessBlockConfiguration') return { readable: true };
    return {
      readable: false,
      why: `S3 Control GetPublicAccessBlock: ${describeAwsFailure(e, 'GetPublicAccessBlock')}`,
    };
  }
}
