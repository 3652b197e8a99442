import type { KubeObject } from '../core/webhook/types.js';
import { forEachKey, parseSpan } from './list-scan.js';

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
const KNOWN = new Set([
  'rolearn',
  'iamrolearn',
  'audience',
  'stsregionalendpoints',
  'tokenexpiration',
  'region',
  'skipcontainers',
]);
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
    if (keepAnnotation(key, p)) {
      if (annotations === undefined) annotations = {};
      annotations[key] = all[key];
    }
  }
  const metadata: Record<string, unknown> = { name: md.name, namespace: md.namespace };
  if (md.resourceVersion !== undefined) metadata.resourceVersion = md.resourceVersion;
  if (annotations) metadata.annotations = annotations;
  return frozen({ apiVersion: 'v1', kind: 'ServiceAccount', metadata } as KubeObject);
}

/**
 * A cached ServiceAccount never changes: a new version is a new object. The webhook remembers what it derived from
 * each object (identity-memo.ts), which is only right if nobody can change one in place.
 */
function frozen(sa: KubeObject): KubeObject {
  if (sa.metadata?.annotations) Object.freeze(sa.metadata.annotations);
  Object.freeze(sa.metadata);
  return Object.freeze(sa);
}

/** Whether mutation reads (or warns about) an annotation; `p` is the prefix with its slash. */
export function keepAnnotation(key: string, p: string): boolean {
  return key.startsWith(p) || KNOWN.has(squash(key.slice(key.lastIndexOf('/') + 1)));
}

/**
 * slimServiceAccount straight from a ServiceAccount's JSON bytes: only the kept fields are ever parsed, so reading
 * 10,000 of them allocates next to nothing besides what is cached (the rest, such as a
 * last-applied-configuration annotation, is skipped over as bytes).
 */
export function slimServiceAccountJson(buf: Buffer, start: number, prefix: string): KubeObject {
  const metadata: Record<string, unknown> = {};
  const p = `${prefix}/`;
  forEachKey(buf, start, (key, s) => {
    if (key !== 'metadata' || buf[s] !== 0x7b) return;
    forEachKey(buf, s, (mk, ms, me) => {
      if (mk === 'name' || mk === 'namespace' || mk === 'resourceVersion') metadata[mk] = parseSpan(buf, ms, me);
      else if (mk === 'annotations' && buf[ms] === 0x7b) {
        forEachKey(buf, ms, (ak, as, ae) => {
          if (!keepAnnotation(ak, p)) return;
          if (metadata.annotations === undefined) metadata.annotations = {};
          (metadata.annotations as Record<string, unknown>)[ak] = parseSpan(buf, as, ae);
        });
      }
    });
  });
  return frozen({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: metadata.name, namespace: metadata.namespace, ...metadata },
  } as KubeObject);
}

export function saKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
