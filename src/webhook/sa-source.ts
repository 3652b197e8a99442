import type { KubeObject } from '../core/webhook/types.js';

/**
 * Where the webhook finds a pod's ServiceAccount: the Kubernetes API (sa-source-kube.ts) or a file
 * (sa-source-file.ts). Both keep only what mutation reads, so 10,000 ServiceAccounts stay a few MB (the EKS
 * webhook was OOM-killed holding whole objects, its PR #301).
 */
export interface ServiceAccountSource {
  /** True once the first complete set is loaded; /readyz reports it. */
  readonly ready: boolean;
  /** The cached ServiceAccount, or undefined. */
  get(namespace: string, name: string): KubeObject | undefined;
  /** On a cache miss: a live lookup that resolves within `graceMs` (undefined when still not found). */
  lookup?(namespace: string, name: string, graceMs: number): Promise<KubeObject | undefined>;
  /** How many ServiceAccounts are cached (a gauge). */
  size(): number;
  /** Loads the first set (resolves when ready, or throws when it cannot start). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Annotation names the webhook reads (squashed: lower case, letters and digits only), plus a common typo. */
const KNOWN = new Set(['rolearn', 'iamrolearn', 'audience', 'stsregionalendpoints', 'tokenexpiration', 'region', 'skipcontainers']);
const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Strips a ServiceAccount to name, namespace, resourceVersion and the annotations mutation reads: those under
 * `prefix`, plus near misses of the names it knows under any prefix (`eks.amazon.com/role-arn`, `role_arn`) so the
 * core can warn about typos.
 */
export function slimServiceAccount(sa: KubeObject, prefix: string): KubeObject {
  const md = (sa.metadata ?? {}) as Record<string, unknown>;
  const all = (md.annotations ?? {}) as Record<string, string>;
  let annotations: Record<string, string> | undefined;
  const p = `${prefix}/`;
  for (const key in all) {
    if (key.startsWith(p) || KNOWN.has(squash(key.slice(key.lastIndexOf('/') + 1)))) {
      if (annotations === undefined) annotations = {};
      annotations[key] = all[key];
    }
  }
  const metadata: Record<string, unknown> = { name: md.name, namespace: md.namespace };
  if (md.resourceVersion !== undefined) metadata.resourceVersion = md.resourceVersion;
  if (annotations) metadata.annotations = annotations;
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata } as KubeObject;
}

export function saKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
