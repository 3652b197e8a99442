/**
 * The contract between the pure mutation core (mutate.ts) and the webhook server. The core takes a Pod, its
 * ServiceAccount (or undefined when none was found) and the settings, and returns a JSONPatch plus warnings.
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
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  annotationPrefix: 'eks.amazonaws.com',
  audience: 'sts.amazonaws.com',
  mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount',
  expirationSeconds: 86400,
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
}
