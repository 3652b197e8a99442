/**
 * irsa.yaml once read and checked (src/core/config/load.ts): every default applied, every path resolved against
 * the file's directory, service accounts grouped into the IAM roles they assume. What the planner
 * (src/core/provision/) and the shells that gather keys and thumbprints (src/io/) take.
 */
import type { Partition } from '../aws/arn.js';
import type { Tags } from '../provision/types.js';

export const CONFIG_API_VERSION = 'irsa-anywhere/v1';
export const CONFIG_KIND = 'Config';

export interface IrsaConfig {
  /** The file as it was named (messages say it). */
  file: string;
  region: string;
  /** The partition of `region`; ARNs carry it (the caller's own, read from STS, wins when they differ). */
  partition: Partition;
  quotas: Quotas;
  /** Top-level `tags`, on everything created (besides ours: MANAGED_BY_TAG and CLUSTER_TAG). */
  tags: Tags;
  clusters: ClusterConfig[];
  /** Every role, once, with every service account that may assume it (several clusters: one statement each). */
  roles: RoleConfig[];
}

/** The account's IAM quotas where AWS lets them be raised (`quotas:` in irsa.yaml). */
export interface Quotas {
  /** Characters of a role's trust policy, white space not counted: 2,048 by default, at most 4,096. */
  roleTrustPolicyLength: number;
  /** Managed policies attached to one role: 10 by default, at most 20. */
  managedPoliciesPerRole: number;
}

export interface ClusterConfig {
  name: string;
  /** Verbatim: the provider URL, every token's `iss`, the discovery document's `issuer`. */
  issuer: string;
  /** The provider's client IDs and the roles' `:aud` values. */
  audiences: string[];
  keys: KeySource;
  jwksUri: string;
  /** `auto`: computed from the JWKS host's chain by the shell; a list (upper-case hex); `[]`: not managed. */
  thumbprints: 'auto' | string[];
  /**
   * Seconds: the apiserver's --service-account-max-token-expiration, when the file states it. `irsa rotate finish`
   * refuses without it (no token the old key signed may still be valid when its key leaves the JWKS).
   */
  maxTokenExpirationSeconds?: number;
  publish: PublishTarget;
  serviceAccounts: ServiceAccountConfig[];
  /** The bucket-policy statement of this cluster's documents (fixed, unique in the config). */
  policySid: string;
}

/** Where the key set comes from: key files (absolute paths), or the cluster's own /openid/v1/jwks. */
export type KeySource = { from: 'files'; paths: string[] } | { from: 'cluster'; kubeconfig?: string; context?: string };

/** The issuer's root: the two documents' places in a bucket or a directory. */
export type PublishTarget = S3Publish | DirectoryPublish;

export interface S3Publish {
  kind: 's3';
  bucket: string;
  /** No leading or trailing `/`; `''` for the bucket's root. */
  prefix: string;
  /** Create the bucket (tagged as ours) when it does not exist. */
  create: boolean;
  /** The Cache-Control header of both objects (`public, max-age=N`, N ≤ 3600). */
  cacheControl: string;
  discoveryKey: string;
  jwksKey: string;
}

export interface DirectoryPublish {
  kind: 'directory';
  /** Absolute, or relative to the working directory when the file was named so. */
  directory: string;
  discoveryPath: string;
  jwksPath: string;
}

export interface ServiceAccountConfig {
  cluster: string;
  namespace: string;
  name: string;
  /** The role's name (`{name}@{namespace}` unless given). */
  role: string;
  /** Annotate the ServiceAccount with the role's ARN (through the cluster API). */
  annotate: boolean;
}

/** One service account a role trusts. */
export interface RoleTrust {
  cluster: string;
  namespace: string;
  serviceAccount: string;
}

export interface RoleConfig {
  name: string;
  path: string;
  permissionsBoundary?: string;
  /** Seconds. */
  maxSessionDuration: number;
  description?: string;
  /** Managed policy ARNs. */
  policies: string[];
  /** Inline policies by name, each document parsed. */
  inlinePolicies: Record<string, unknown>;
  /** From `tags` of the service accounts (top-level tags and ours are added by the planner). */
  tags: Tags;
  /** In the order of the file; the first one's cluster goes into CLUSTER_TAG. */
  trusts: RoleTrust[];
}
