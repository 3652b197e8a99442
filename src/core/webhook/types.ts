import {
  DEFAULT_ANNOTATION_PREFIX,
  DEFAULT_AUDIENCE,
  DEFAULT_TOKEN_DIR,
  DEFAULT_TOKEN_EXPIRATION_SECONDS,
} from '../defaults.js';
/**
 * The contract between the pure mutation core (mutate.ts) and the webhook server. The core takes a Pod, its
 * ServiceAccount (or undefined when none was found) and the settings, and returns a JSONPatch plus warnings.
 * Settings are a value: the server replaces them (container-credentials config reload), never changes them.
 */

export interface WebhookSettings {
  /** `eks.amazonaws.com` by default. */
  annotationPrefix: string;
  /** Default audience (`--token-audience`). */
  audience: string;
  /** Directory the token is mounted at (`--token-mount-path`). */
  mountPath: string;
  /** Default token lifetime (`--token-expiration`), seconds. */
  expirationSeconds: number;
  /** `--aws-default-region`; '' for none. */
  region: string;
  /** `--sts-regional-endpoint`. */
  stsRegionalEndpoints: boolean;
  /**
   * Container-credentials ("EKS Pod Identity") mode: listed (namespace, ServiceAccount) pairs get
   * AWS_CONTAINER_CREDENTIALS_FULL_URI + a token volume instead of a role. Undefined (the default) = mode off.
   */
  containerCredentials?: ContainerCredentialsSettings;
  /**
   * Opt-in: `spec.securityContext.fsGroup` to add to mutated pods that set none, so non-root containers can read the
   * token on any kubelet. Undefined (the default) = never touch the pod's securityContext.
   */
  tokenFsGroup?: number;
  /**
   * `--compose-role-arn` with `--aws-account-id`: a role-arn annotation without `arn:` names a role in this account
   * (and the partition of `--aws-default-region`), so manifests carry role names that stay valid across accounts.
   * Undefined (the default) = values are used as written.
   */
  composeRoleArn?: { partition: string; accountId: string };
}

/** Upstream's `--container-credentials-*` flags plus the identities of `--watch-container-credentials-config`. */
export interface ContainerCredentialsSettings {
  /** `{"identities":[{"namespace","serviceAccount"}]}` as in upstream's config file. */
  identities: Array<{ namespace: string; serviceAccount: string }>;
  /** `--container-credentials-full-uri`. */
  fullUri: string;
  /** `--container-credentials-audience`. */
  audience: string;
  /** `--container-credentials-token-mount-path`. */
  mountPath: string;
  /** `--container-credentials-token-volume-name`. */
  volumeName: string;
  /** `--container-credentials-token-path` (file name inside the volume). */
  tokenPath: string;
}

export const DEFAULT_CONTAINER_CREDENTIALS: Omit<ContainerCredentialsSettings, 'identities'> = {
  fullUri: 'http://169.254.170.23/v1/credentials',
  audience: 'pods.eks.amazonaws.com',
  mountPath: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount',
  volumeName: 'eks-pod-identity-token',
  tokenPath: 'eks-pod-identity-token',
};

/** Pods carrying this label (any value) are left alone; the shipped objectSelector excludes them too (upstream's key). */
export const SKIP_POD_LABEL = 'eks.amazonaws.com/skip-pod-identity-webhook';

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  annotationPrefix: DEFAULT_ANNOTATION_PREFIX,
  audience: DEFAULT_AUDIENCE,
  mountPath: DEFAULT_TOKEN_DIR,
  expirationSeconds: DEFAULT_TOKEN_EXPIRATION_SECONDS,
  region: '',
  stsRegionalEndpoints: false,
};

/** RFC 6902 operation. */
export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'test' | 'move' | 'copy';
  path: string;
  value?: unknown;
  from?: string;
}

// Kubernetes objects are handled as plain JSON: the core must keep every field it does not know.
export type KubeObject = Record<string, unknown> & {
  metadata?: {
    name?: string;
    namespace?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  } & Record<string, unknown>;
};

export interface MutationResult {
  /** Empty when nothing is to change. */
  patch: JsonPatchOp[];
  /** Surfaced as AdmissionReview `warnings` and logged. */
  warnings: string[];
  /** Why nothing was injected, when nothing was (no role annotation, already mutated, opted out, ...). */
  skipped?: string;
  /** Which mode applied (for the `method` metric label); absent when the pod is not for this webhook. */
  mode?: 'web-identity' | 'container-credentials';
}
