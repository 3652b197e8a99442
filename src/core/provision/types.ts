/**
 * The contract of declarative provisioning (`irsa plan | apply | destroy -f irsa.yaml`), shared by the pure planner
 * (src/core/provision/, src/core/config/) and the shells that read and change AWS, S3, a directory or the cluster
 * (src/io/aws/, src/io/publish/, src/io/kube/). Three planes, always handled in this order on apply and in the
 * reverse order on destroy:
 *
 *   documents  the discovery document and the JWKS, published to a directory or an S3 prefix (+ the bucket's
 *              public-access block and our bucket-policy statement)
 *   provider   the IAM OIDC identity provider whose URL is the issuer
 *   roles      one IAM role per service account, trust scoped to sub and aud (+ policies; optional SA annotation)
 *
 * Readers fill a CurrentState; the planner compares it with the desired state from irsa.yaml and returns a Plan of
 * Changes, each carrying the Operations that make it so (plain data, AWS SDK v3 input shapes where AWS is the
 * target, as core/aws/operations.ts does); the executor runs them plane by plane, with bounded concurrency and
 * retries. Nothing here does I/O.
 */
import type { ErrorCode } from '../errors.js';
import type { Jwks } from '../issuer/jwks.js';

// ---------------------------------------------------------------------------------------------------------------
// Ownership

/** Tag keys on everything irsa creates (roles, providers, buckets): who manages it, for which cluster. */
export const MANAGED_BY_TAG = 'irsa-anywhere/managed-by';
export const MANAGED_BY_VALUE = 'irsa-anywhere';
export const CLUSTER_TAG = 'irsa-anywhere/cluster';

export type Tags = Record<string, string>;

// ---------------------------------------------------------------------------------------------------------------
// Current state, as the readers find it (absent things are undefined, never errors)

export interface CurrentProvider {
  arn: string;
  /** With `https://` (IAM answers without it; the reader adds it back), byte for byte otherwise. */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  tags: Tags;
}

export interface CurrentRole {
  name: string;
  arn: string;
  path: string;
  description?: string;
  maxSessionDuration: number;
  permissionsBoundary?: string;
  /** The trust policy, decoded from IAM's URL-encoding and parsed. */
  trustPolicy: unknown;
  tags: Tags;
  /** Managed policy ARNs attached. */
  attachedPolicies: string[];
  /** Inline policies by name, each document parsed. */
  inlinePolicies: Record<string, unknown>;
}

/** The four settings of S3 Block Public Access (bucket or account level). */
export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface CurrentBucket {
  name: string;
  /** Where the bucket lives (GetBucketLocation; `us-east-1` for its null); undefined when it could not be read. */
  region?: string;
  /** The bucket exists but this account may not read it (another account's, or no permission): never touched. */
  accessDenied?: boolean;
  tags: Tags;
  /** The bucket policy, parsed; undefined when it has none. */
  policy?: unknown;
  /** undefined when no block is set on the bucket. */
  publicAccessBlock?: PublicAccessBlock;
}

/** A published document as it is now (S3 object or file). */
export interface CurrentDocument {
  /** The S3 key or the file path. */
  key: string;
  body: string;
  contentType?: string;
  cacheControl?: string;
  /** When it was last written, by the publisher's clock (S3's Last-Modified), milliseconds since the epoch. */
  lastModifiedMs?: number;
}

/** A ServiceAccount of a cluster, as far as annotating it goes. */
export interface CurrentServiceAccount {
  annotations: Record<string, string>;
}

/** Key of CurrentState.serviceAccounts: `<cluster>/<namespace>/<name>`. */
export function serviceAccountKey(cluster: string, namespace: string, name: string): string {
  return `${cluster}/${namespace}/${name}`;
}

export interface CurrentState {
  /**
   * Who is calling (STS GetCallerIdentity): the account and partition every ARN is built with, so a trust policy can
   * name `arn:<partition>:iam::<id>:oidc-provider/<host/path>` before the provider exists.
   */
  account: { id: string; partition: string; arn?: string };
  /** Every OIDC provider in the account whose URL a cluster of the config names (by URL). */
  providers: Map<string, CurrentProvider>;
  /** Every role the config names, and every role tagged as ours for a cluster of the config (by name). */
  roles: Map<string, CurrentRole>;
  /** Buckets the config names (by name); absent = does not exist. */
  buckets: Map<string, CurrentBucket>;
  /** Published documents found (by S3 `bucket/key` or file path). */
  documents: Map<string, CurrentDocument>;
  /**
   * The ServiceAccounts the config annotates (`annotate: true`), by serviceAccountKey(); absent = not found (plan
   * warns and does not annotate). Empty when nothing is annotated.
   */
  serviceAccounts: Map<string, CurrentServiceAccount>;
  /** The account's Block Public Access, or why it could not be read (then plan warns instead of refusing). */
  accountPublicAccessBlock: { readable: true; block?: PublicAccessBlock } | { readable: false; why: string };
  /** How the roles were read: one GetAccountAuthorizationDetails walk, or per role (its AccessDenied, say). */
  roleReadMode: 'account-details' | 'per-role';
  /** Number of AWS calls the reads made (a no-op plan's figure). */
  awsCalls: number;
  /** What the reads could not do and the plan should say (a list the readers were refused, …). */
  warnings: string[];
}

/**
 * What the readers are asked for (derived from irsa.yaml): everything a plan or a destroy compares against. The
 * readers never fail for something absent; they fill what they find.
 */
export interface StateQuery {
  /** The issuers of the config's clusters, exactly as the provider URLs must be. */
  providerUrls: string[];
  /** Every role name the config names. */
  roleNames: string[];
  /** The config's cluster names: roles tagged as ours for one of them are read too (removed from the config). */
  clusters: string[];
  /** Buckets the config publishes to, with the object keys to read under each. */
  buckets: { name: string; keys: string[] }[];
  /** Files of directory publishing to read. */
  files: string[];
  /** Read the account's Block Public Access (S3 Control): when documents are published to S3. */
  accountPublicAccessBlock: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Operations: what the executor runs. IAM and S3 inputs are the AWS SDK v3 command inputs, by action name.

export type Plane = 'documents' | 'provider' | 'roles';

export type IamAction =
  | 'CreateOpenIDConnectProvider'
  | 'AddClientIDToOpenIDConnectProvider'
  | 'RemoveClientIDFromOpenIDConnectProvider'
  | 'UpdateOpenIDConnectProviderThumbprint'
  | 'TagOpenIDConnectProvider'
  | 'UntagOpenIDConnectProvider'
  | 'DeleteOpenIDConnectProvider'
  | 'CreateRole'
  | 'UpdateAssumeRolePolicy'
  | 'UpdateRole'
  | 'PutRolePermissionsBoundary'
  | 'DeleteRolePermissionsBoundary'
  | 'TagRole'
  | 'UntagRole'
  | 'AttachRolePolicy'
  | 'DetachRolePolicy'
  | 'PutRolePolicy'
  | 'DeleteRolePolicy'
  | 'DeleteRole';

export type S3Action =
  | 'CreateBucket'
  | 'PutBucketTagging'
  | 'PutPublicAccessBlock'
  | 'PutBucketPolicy'
  | 'DeleteBucketPolicy'
  | 'PutObject'
  | 'DeleteObject'
  | 'DeleteBucket';

/**
 * One call. `input` is the SDK v3 `<Action>CommandInput` for IAM and S3 (PutObject's Body a string); files are
 * written atomically under the publishing directory; a kube operation merges one annotation into a ServiceAccount.
 */
export type Operation =
  | { service: 'iam'; action: IamAction; input: Record<string, unknown> }
  | { service: 's3'; action: S3Action; input: Record<string, unknown> }
  | { service: 'file'; action: 'WriteFile'; input: { path: string; body: string } }
  | { service: 'file'; action: 'DeleteFile'; input: { path: string } }
  | {
      service: 'kube';
      action: 'AnnotateServiceAccount';
      /** `cluster`: the irsa.yaml cluster whose API holds the ServiceAccount. */
      input: { cluster: string; namespace: string; name: string; annotations: Record<string, string | null> };
    };

// ---------------------------------------------------------------------------------------------------------------
// The plan

export type ChangeKind = 'create' | 'update' | 'delete';

/** One resource's change: what `irsa plan` prints as `+ ~ -` with a readable diff, and the calls that make it. */
export interface Change {
  plane: Plane;
  kind: ChangeKind;
  /** The cluster of irsa.yaml this belongs to (a role trusted by several: the first). */
  cluster: string;
  /** `role test-pod-sa@default`, `provider https://…`, `s3://bucket/prefix/.well-known/openid-configuration`. */
  resource: string;
  /** Human lines: `+ StringEquals …:sub = system:serviceaccount:default:app`, `~ MaxSessionDuration 3600 → 7200`. */
  details: string[];
  /** Run in order, after every change of the previous plane succeeded. */
  operations: Operation[];
  /**
   * Resources (of this plan's changes) that must have succeeded before this change starts: within a plane, the
   * executor runs changes concurrently otherwise (a new bucket before its objects; objects before an emptied
   * bucket is deleted; a new role before its ServiceAccount is annotated). When one failed, this one is skipped.
   */
  dependsOn?: string[];
}

/** Something the config asks for that cannot be done (a resource of the same name not tagged as ours, …). */
export interface Conflict {
  plane: Plane;
  cluster: string;
  resource: string;
  message: string;
  /** What would resolve it (`--adopt`, rename, …). */
  hint?: string;
  /**
   * Set when the conflict refuses the whole apply (nothing is changed): the code apply fails with. Without it,
   * apply does everything else and exits 1 (ERR_PLAN_CONFLICT).
   */
  code?: ErrorCode;
}

export interface Plan {
  /** apply: planes documents → provider → roles; destroy: roles → provider → documents. */
  mode: 'apply' | 'destroy';
  /** In the order the planes run. */
  changes: Change[];
  conflicts: Conflict[];
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// What the shells gather before planning an apply (beside CurrentState)

export interface ClusterMaterial {
  /** The key set to publish: from the `keys` files, or the cluster's own /openid/v1/jwks (`fromCluster`). */
  jwks: Jwks;
  /**
   * `thumbprints: auto`: those of the chain the JWKS host serves (and the discovery host's when it differs), or
   * why they could not be had (then left unmanaged, with a warning). Absent when the config lists them or `[]`.
   */
  autoThumbprints?: { ok: true; thumbprints: string[] } | { ok: false; why: string };
}

export interface ApplyOptions {
  /** Per cluster name (every cluster of the config). */
  material: ReadonlyMap<string, ClusterMaterial>;
  /** Take over what exists under the same name or URL but is not tagged as ours (`--adopt`): tag it, manage it. */
  adopt?: boolean;
}
