/**
 * What the Terraform export holds, resource by resource: gathered from the calls `irsa apply` would make on an
 * account that has none of it yet (collect.ts), then written as HCL (render-*.ts). One concept per entry, in AWS's
 * own terms; `label` is the Terraform resource name.
 */
import type { PublicAccessBlock, Tags } from '../provision/types.js';

export interface BucketResource {
  name: string;
  label: string;
  /** Created by the export (`publish.s3.create: true`); otherwise the bucket is someone else's and only named. */
  created: boolean;
  tags: Tags;
  publicAccessBlock?: PublicAccessBlock;
  /** The policy exactly as apply writes it. */
  policy?: string;
}

export interface ObjectResource {
  label: string;
  bucket: string;
  key: string;
  /** Exactly the bytes apply publishes (discovery document or JWKS). */
  body: string;
  contentType: string;
  cacheControl: string;
}

export interface ProviderResource {
  label: string;
  url: string;
  clientIds: string[];
  /** undefined: not managed (IAM computes its own). */
  thumbprints?: string[];
  tags: Tags;
}

export interface RoleResource {
  label: string;
  name: string;
  path: string;
  /** The trust policy exactly as apply sends it. */
  trust: string;
  maxSessionDuration: number;
  description?: string;
  permissionsBoundary?: string;
  tags: Tags;
}

export interface AttachmentResource {
  label: string;
  roleLabel: string;
  role: string;
  policyArn: string;
}

export interface InlinePolicyResource {
  label: string;
  roleLabel: string;
  role: string;
  name: string;
  document: string;
}

export interface ExportModel {
  region: string;
  buckets: BucketResource[];
  objects: ObjectResource[];
  providers: ProviderResource[];
  roles: RoleResource[];
  attachments: AttachmentResource[];
  inlinePolicies: InlinePolicyResource[];
  /** What apply does that Terraform's AWS provider cannot (files, ServiceAccount annotations): one line each. */
  notExported: string[];
}
