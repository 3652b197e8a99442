/**
 * The documents plane as HCL: the bucket (when the config creates it) with our tags, its public-access block, the
 * bucket policy (after the block: on AWS a new bucket blocks public policies until it is lifted), and the two
 * objects. Their bodies are literal strings, never `jsonencode` (which sorts keys): STS reads those bytes.
 */
import { type Attribute, hclBlock, hclString, hclStringMap, type References } from './hcl.js';
import type { BucketResource, ExportModel, ObjectResource } from './model.js';

export function renderDocuments(model: ExportModel, refs: References): string[] {
  const blocks: string[] = [];
  for (const bucket of model.buckets) blocks.push(...renderBucket(bucket, refs));
  for (const object of model.objects) blocks.push(renderObject(object, bucketExpression(model, object.bucket)));
  return blocks;
}

/** The bucket as an expression: a reference when created here (so Terraform orders the rest after it). */
function bucketExpression(model: ExportModel, name: string): string {
  const bucket = model.buckets.find((b) => b.name === name);
  return bucket?.created ? `aws_s3_bucket.${bucket.label}.id` : hclString(name);
}

function renderBucket(bucket: BucketResource, refs: References): string[] {
  const blocks: string[] = [];
  const ref = bucket.created ? `aws_s3_bucket.${bucket.label}.id` : hclString(bucket.name);
  if (bucket.created) {
    blocks.push(
      hclBlock(`resource "aws_s3_bucket" "${bucket.label}"`, [
        ['bucket', hclString(bucket.name)],
        ['tags', hclStringMap(bucket.tags)],
      ]),
    );
  }
  const block = bucket.publicAccessBlock;
  if (block) {
    blocks.push(
      hclBlock(`resource "aws_s3_bucket_public_access_block" "${bucket.label}"`, [
        ['bucket', ref],
        'blank',
        ['block_public_acls', String(block.BlockPublicAcls)],
        ['ignore_public_acls', String(block.IgnorePublicAcls)],
        ['block_public_policy', String(block.BlockPublicPolicy)],
        ['restrict_public_buckets', String(block.RestrictPublicBuckets)],
      ]),
    );
  }
  if (bucket.policy !== undefined) {
    const note = bucket.created
      ? ''
      : `# The bucket is not created here (publish.s3.create: false): this policy is the bucket's WHOLE policy.\n` +
        '# Merge any statements the bucket has now into it before applying, or Terraform removes them.\n';
    const policy: Attribute[] = [
      ['bucket', ref],
      ['policy', hclString(bucket.policy, refs)],
    ];
    const after: (Attribute | 'blank')[] = block
      ? ['blank', ['depends_on', `[aws_s3_bucket_public_access_block.${bucket.label}]`]]
      : [];
    blocks.push(note + hclBlock(`resource "aws_s3_bucket_policy" "${bucket.label}"`, [...policy, ...after]));
  }
  return blocks;
}

function renderObject(object: ObjectResource, bucket: string): string {
  return hclBlock(`resource "aws_s3_object" "${object.label}"`, [
    ['bucket', bucket],
    ['key', hclString(object.key)],
    ['content_type', hclString(object.contentType)],
    ['cache_control', hclString(object.cacheControl)],
    ['content', hclString(object.body)],
  ]);
}
