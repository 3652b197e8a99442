/**
 * Loads the EKS pod identity webhook conformance cases (vendored in test/vectors/pod-identity-webhook, see its
 * LICENSE-NOTE.md) and provides the comparison the README there prescribes. Shared by the pure-core replay
 * (test/conformance/webhook-mutation) and the HTTPS replay of the same cases.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsonpatch from 'fast-json-patch';
import type { JsonPatchOp, KubeObject, WebhookSettings } from '../../src/core/webhook/types.js';
import { DEFAULT_CONTAINER_CREDENTIALS, DEFAULT_WEBHOOK_SETTINGS } from '../../src/core/webhook/types.js';
import { TEST_VECTORS } from './cli.js';

export const CONFORMANCE_DIR = join(TEST_VECTORS, 'pod-identity-webhook');

export interface CaseServiceAccount {
  name: string;
  namespace: string;
  annotations: Record<string, string>;
  /** http/MutationNotNeeded: the ServiceAccount must be absent. */
  existsInCache?: boolean;
}

export interface MutationCase {
  file: string;
  name: string;
  namespace: string;
  serviceAccount: CaseServiceAccount;
  webhookFlags: Record<string, string>;
  containerCredentialsConfig?: { identities: Array<{ namespace: string; serviceAccount: string }> };
  pod: KubeObject;
  expectedPatch: JsonPatchOp[];
  expectedPatchRaw: string;
  expectedPod: KubeObject;
  tolerances?: { expirationSecondsRange?: { path: string; min: number; max: number } };
  notes: string[];
}

export interface HttpCase {
  file: string;
  name: string;
  serviceAccount: CaseServiceAccount;
  webhookFlags: Record<string, string>;
  request: { contentType: string; body?: unknown; bodyRaw?: string };
  expectedHttpStatus: number;
  expectedResponse?: unknown;
  expectedResponseRaw?: string;
  expectedPatchDecoded?: JsonPatchOp[];
  expectedPod?: KubeObject;
  notes: string[];
}

function readCases<T>(dir: string): T[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, ...JSON.parse(readFileSync(join(dir, f), 'utf8')) }) as T);
}

/** The 24 mutation cases (`*.json`). */
export function loadMutationCases(): MutationCase[] {
  return readCases<MutationCase>(CONFORMANCE_DIR);
}

/** The 8 HTTP-level cases (`http/*.json`). */
export function loadHttpCases(): HttpCase[] {
  return readCases<HttpCase>(join(CONFORMANCE_DIR, 'http'));
}

/** The case's ServiceAccount as a Kubernetes object; undefined when the case needs it absent. */
export function caseServiceAccount(c: { serviceAccount: CaseServiceAccount }): KubeObject | undefined {
  const sa = c.serviceAccount;
  if (sa.existsInCache === false) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: sa.name, namespace: sa.namespace, annotations: { ...sa.annotations } },
  };
}

/**
 * `webhookFlags` (upstream flag names) → WebhookSettings, as the README maps them; flags not listed keep the
 * defaults. `containerCredentialsConfig` switches container-credentials mode on with its identities.
 */
export function settingsFromFlags(
  flags: Record<string, string>,
  containerCredentialsConfig?: { identities: Array<{ namespace: string; serviceAccount: string }> },
): WebhookSettings {
  const s: WebhookSettings = { ...DEFAULT_WEBHOOK_SETTINGS };
  const f = (name: string) => (Object.hasOwn(flags, name) ? flags[name] : undefined);
  s.annotationPrefix = f('annotation-prefix') ?? s.annotationPrefix;
  s.audience = f('token-audience') ?? s.audience;
  s.mountPath = f('token-mount-path') ?? s.mountPath;
  if (f('token-expiration') !== undefined) s.expirationSeconds = Number(f('token-expiration'));
  s.region = f('aws-default-region') ?? s.region;
  if (f('sts-regional-endpoint') !== undefined) s.stsRegionalEndpoints = f('sts-regional-endpoint') === 'true';
  if (containerCredentialsConfig) {
    s.containerCredentials = {
      identities: containerCredentialsConfig.identities,
      fullUri: f('container-credentials-full-uri') ?? DEFAULT_CONTAINER_CREDENTIALS.fullUri,
      audience: f('container-credentials-audience') ?? DEFAULT_CONTAINER_CREDENTIALS.audience,
      mountPath: f('container-credentials-token-mount-path') ?? DEFAULT_CONTAINER_CREDENTIALS.mountPath,
      volumeName: f('container-credentials-token-volume-name') ?? DEFAULT_CONTAINER_CREDENTIALS.volumeName,
      tokenPath: f('container-credentials-token-path') ?? DEFAULT_CONTAINER_CREDENTIALS.tokenPath,
    };
  }
  return s;
}

/** RFC 6902 `patch` applied to a deep copy of `pod` (validated: a bad op throws). */
export function applyPatch(pod: KubeObject, patch: JsonPatchOp[]): KubeObject {
  const copy = jsonpatch.deepClone(pod) as KubeObject;
  return jsonpatch.applyPatch(copy, patch as jsonpatch.Operation[], true, true).newDocument as KubeObject;
}

const KEYED_LISTS = new Set(['volumes', 'containers', 'initContainers', 'env', 'volumeMounts']);

/**
 * The README's normalisation: drop null-valued keys, drop `resources: {}`, and turn volumes, containers,
 * initContainers, env and volumeMounts into objects keyed by `name` (order is informative, not required).
 * Compare two normalised pods with deepStrictEqual.
 */
export function normalizePod(pod: unknown): unknown {
  return normalize(pod, undefined);
}

function normalize(value: unknown, key: string | undefined): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => normalize(v, undefined));
    if (key !== undefined && KEYED_LISTS.has(key) && items.every((i) => isNamed(i))) {
      const byName: Record<string, unknown> = {};
      for (const i of items as Array<{ name: string }>) byName[i.name] = i;
      // Same-named entries would collapse; keep the count visible so such a difference still fails.
      return Object.keys(byName).length === items.length ? byName : items;
    }
    return items;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === null) continue;
      if (k === 'resources' && isEmptyObject(v)) continue;
      out[k] = normalize(v, k);
    }
    return out;
  }
  return value;
}

function isNamed(v: unknown): v is { name: string } {
  return !!v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string';
}

function isEmptyObject(v: unknown): boolean {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0;
}

/**
 * Resolves a tolerance path such as `spec.volumes[name=X].projected.sources[0].serviceAccountToken.expirationSeconds`
 * in `pod`; returns a setter too, so a test can check the range and then align the value before comparing.
 */
export function tolerancePath(pod: unknown, path: string): { get: () => unknown; set: (v: unknown) => void } {
  const steps: Array<string | number | { name: string }> = [];
  for (const part of path.split('.')) {
    const m = /^([^[]+)((?:\[[^\]]+\])*)$/.exec(part);
    if (!m) throw new Error(`bad tolerance path ${path}`);
    steps.push(m[1]);
    for (const idx of m[2].match(/\[[^\]]+\]/g) ?? []) {
      const inner = idx.slice(1, -1);
      steps.push(inner.startsWith('name=') ? { name: inner.slice(5) } : Number(inner));
    }
  }
  const resolveParent = (): [Record<string | number, unknown>, string | number] => {
    let cur: unknown = pod;
    for (let i = 0; i < steps.length - 1; i++) cur = step(cur, steps[i], path);
    const last = steps[steps.length - 1];
    if (typeof last === 'object') throw new Error(`bad tolerance path ${path}`);
    return [cur as Record<string | number, unknown>, last];
  };
  return {
    get: () => {
      const [parent, last] = resolveParent();
      return parent[last];
    },
    set: (v) => {
      const [parent, last] = resolveParent();
      parent[last] = v;
    },
  };
}

function step(cur: unknown, s: string | number | { name: string }, path: string): unknown {
  if (typeof s === 'object') {
    const found = Array.isArray(cur) ? cur.find((x) => isNamed(x) && x.name === s.name) : undefined;
    if (found === undefined) throw new Error(`${path}: no entry named ${s.name}`);
    return found;
  }
  if (!cur || typeof cur !== 'object') throw new Error(`${path}: cannot step into ${String(s)}`);
  return (cur as Record<string | number, unknown>)[s];
}

/**
 * The one Go-decoding quirk (rawPodHasVolumeMount): upstream decodes the pod into Go structs, so a volumeMount with
 * the invalid key `path` loses it and gets the zero value `mountPath: ""` (and no `readOnly`). A JSON-native
 * webhook keeps the mount as sent. This applies Go's decoding to volumeMounts so both sides can be compared.
 */
export function goDecodeVolumeMounts(pod: KubeObject): KubeObject {
  const known = new Set([
    'name',
    'readOnly',
    'recursiveReadOnly',
    'mountPath',
    'subPath',
    'mountPropagation',
    'subPathExpr',
  ]);
  const copy = jsonpatch.deepClone(pod) as KubeObject;
  const spec = copy.spec as Record<string, unknown>;
  for (const field of ['initContainers', 'containers']) {
    for (const c of (spec[field] as Array<Record<string, unknown>> | undefined) ?? []) {
      if (!Array.isArray(c.volumeMounts)) continue;
      c.volumeMounts = c.volumeMounts.map((m: Record<string, unknown>) => {
        const out: Record<string, unknown> = { mountPath: '' };
        for (const [k, v] of Object.entries(m)) if (known.has(k)) out[k] = v;
        return out;
      });
    }
  }
  return copy;
}

/** Cases whose expected pod carries a Go-decoding artifact (see goDecodeVolumeMounts). */
export const GO_DECODING_QUIRK_CASES = new Set(['rawPodHasVolumeMount.json']);
