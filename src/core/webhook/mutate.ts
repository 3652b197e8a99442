/**
 * The pure mutation core: Pod + its ServiceAccount + settings → minimal JSONPatch, warnings, skip reason.
 *
 * It reproduces the EKS pod identity webhook (aws/amazon-eks-pod-identity-webhook @ 3bf80a34): same annotations,
 * defaults and limits, same two modes (container credentials for listed ServiceAccounts wins over role-arn), same
 * env rules and order, same volume and mount, same Windows token path; every upstream conformance case gives the
 * same resulting pod. Where upstream is wrong we deliberately differ; each point is tested in
 * test/core/webhook-mutate.test.ts:
 *
 * (a) Minimal patches. Upstream re-serialises and replaces `/spec/containers` (and initContainers) on every call,
 *     dropping fields its Go types do not know (gRPC probes #165, sidecar `restartPolicy` #208, #84, #114). We emit
 *     only `add` ops for the env entries, mounts, volume (and label) we add, so nothing else is ever rewritten.
 * (b) Invalid role ARNs are not injected. Upstream logs a warning and injects the value anyway, so the pod starts
 *     and fails at AssumeRoleWithWebIdentity. We skip the pod with an admission warning naming the annotation.
 * (c) Idempotent. A pod that already carries the volume, mounts and env gets an empty patch (upstream always
 *     returns a containers op), so reinvocation or a second webhook pass changes nothing.
 * (d) envFrom. The ConfigMaps/Secrets behind `envFrom` are not visible to an admission webhook (reading them would
 *     need cluster-wide Secret access), and Kubernetes gives `env` precedence over `envFrom`: an injected
 *     AWS_REGION shadows one from a ConfigMap (#248). We still inject (as upstream: a pod without region or
 *     credentials is worse), but warn, naming the containers; the fix is to set the variable under `env` (never
 *     overwritten) or to use the per-ServiceAccount region (f).
 * (e) Token readability for non-root containers. Since Kubernetes 1.19 the kubelet makes the projected token
 *     readable without help (fsGroup → group-readable; all containers one runAsUser → owned by it; else 0644), so
 *     by default we do not touch securityContext (fsGroup triggers a recursive chown of every volume). Operators on
 *     older kubelets or with restrictive setups opt in with `settings.tokenFsGroup`: mutated Linux pods without an
 *     fsGroup get that one (#8, PR #86 asked for exactly this).
 * (f) Per-ServiceAccount region: `<prefix>/region` on the ServiceAccount overrides `--aws-default-region`
 *     (#149, #238). A region whose partition differs from the role ARN's draws a warning (GovCloud vs commercial).
 * (g) Windows: besides upstream's nodeSelector we also honour `spec.os.name: windows` and a required node affinity
 *     pinning `kubernetes.io/os` to windows (upstream's README says affinity is unsupported).
 * (h) Limits: token-expiration is clamped to [600, 86400] (upstream only raises to 600; values over 2^32 made the
 *     apiserver reject the pod) and every ignored or adjusted annotation value becomes a warning, as do near-miss
 *     annotation keys (`eks.amazon.com/role-arn`, #200), ServiceAccounts with audience/expiration but no role
 *     (#109), pod-only annotations on the ServiceAccount (#93) and SA-only annotations on the pod.
 * (i) skip-containers also matches trimmed names (`"a, b"` skips `b`; upstream only ` b`, which no container has).
 * (j) An empty `<prefix>/audience` falls back to the default audience (upstream projects an apiserver-audience token
 *     that STS always rejects). In container-credentials mode without a ServiceAccount, the flags' STS and
 *     expiration defaults apply (upstream hard-codes false/86400 there).
 * (k) Pods labelled `eks.amazonaws.com/skip-pod-identity-webhook` are skipped here too, not only by the
 *     objectSelector (which a hand-written MutatingWebhookConfiguration may lack).
 * (l) `settings.composeRoleArn` (upstream's --compose-role-arn) composes role names into ARNs from a configured
 *     account and partition; upstream reads them from EC2 IMDS, which clusters off EC2 do not have.
 */
import { parseRoleArn, partitionForRegion } from '../aws/arn.js';
import { DEFAULT_TOKEN_EXPIRATION_SECONDS, DEFAULT_TOKEN_VOLUME } from '../defaults.js';
import { isObject } from '../json/is-object.js';
import {
  ANNOTATIONS,
  findNearMissKeys,
  parsePodAnnotations,
  parseServiceAccountAnnotations,
  type ServiceAccountConfig,
} from './annotations.js';
import {
  CONTAINER_CREDENTIALS_ENV,
  containerChange,
  type InjectionPlan,
  injectionPlan,
  type PlannedEnv,
  plannedCount,
  usesEnvFrom,
  volumeMount,
  WEB_IDENTITY_ENV,
} from './env.js';
import { setKeyOp } from './patch.js';
import {
  type ContainerCredentialsSettings,
  type JsonPatchOp,
  type KubeObject,
  type MutationResult,
  SKIP_POD_LABEL,
  type WebhookSettings,
} from './types.js';
import { isWindowsPod, type TokenVolume, tokenFilePath, tokenVolume } from './volume.js';

/** The web identity volume name and token file name are fixed upstream. */
export const TOKEN_FILE_NAME = 'token';
/** Written in container-credentials mode; not under `<prefix>` upstream either. */
export const POD_IDENTITY_LABEL = 'eks.amazonaws.com/pod-identity';

/** Upstream's container-credentials jitter: a default 86400 s becomes uniform in [79200, 86400]. */
const JITTER_MIN = 79200;

export interface MutateOptions {
  /** The AdmissionReview's `request.namespace` (pods being created often lack `metadata.namespace`). */
  namespace?: string;
  /** [0, 1) source for the container-credentials jitter; Math.random by default. */
  random?: () => number;
  /** Also return the patch as JSON text (`patchJson`), built from cached pieces (the webhook server's path). */
  json?: boolean;
}

/**
 * What one ServiceAccount object yields under one settings object: its parsed annotations, role ARN verdict and
 * injection plans. Both ServiceAccount sources hand out the same object until the ServiceAccount changes, so this
 * is computed once per ServiceAccount version, not per pod. Nothing here depends on the pod.
 */
interface ServiceAccountDerived {
  settings: WebhookSettings;
  annotations: Record<string, string> | undefined;
  cfg: ServiceAccountConfig;
  /** undefined: not computed yet; null: role-arn absent or not an IAM role ARN. */
  rolePartition?: string | null;
  /** saCfg warnings plus the partition warning (web-identity mode). */
  webIdentityWarnings?: string[];
  /** Injection plans by mode and OS: [web-identity linux, web-identity windows, cc linux, cc windows]. */
  plans: Array<InjectionPlan | undefined>;
  /** JSON text of the web-identity token volume with the ServiceAccount's expiration. */
  volumeJson?: string;
  /** Text of the patch op that appends that volume, by JSON pointer. */
  volumeOps: Map<string, string>;
  /** The container-credentials settings the cc plans were built from (the config file reload replaces them). */
  ccFor?: ContainerCredentialsSettings;
}

const derivedBySa = new WeakMap<object, ServiceAccountDerived>();
/** For pods without a ServiceAccount object (container-credentials mode): derived from the settings alone. */
const derivedBySettings = new WeakMap<WebhookSettings, ServiceAccountDerived>();

function derive(serviceAccount: KubeObject | undefined, settings: WebhookSettings): ServiceAccountDerived {
  const annotations = annotationsOf(serviceAccount?.metadata);
  const cached = serviceAccount ? derivedBySa.get(serviceAccount) : derivedBySettings.get(settings);
  if (cached && cached.settings === settings && cached.annotations === annotations) return cached;
  const d: ServiceAccountDerived = {
    settings,
    annotations,
    cfg: parseServiceAccountAnnotations(annotations, settings.annotationPrefix, {
      audience: settings.audience,
      stsRegionalEndpoints: settings.stsRegionalEndpoints,
      expirationSeconds: settings.expirationSeconds,
      region: settings.region,
      composeRoleArn: settings.composeRoleArn,
    }),
    plans: [],
    volumeOps: new Map(),
  };
  if (serviceAccount) derivedBySa.set(serviceAccount, d);
  else derivedBySettings.set(settings, d);
  return d;
}

/** The token file path per settings and OS (Go filepath.Join is not free, and it never changes). */
const tokenPaths = new WeakMap<object, [string, string]>();

function cachedTokenPath(owner: object, mountPath: string, tokenPath: string, windows: boolean): string {
  let paths = tokenPaths.get(owner);
  if (paths === undefined) {
    paths = [tokenFilePath(mountPath, tokenPath, false), tokenFilePath(mountPath, tokenPath, true)];
    tokenPaths.set(owner, paths);
  }
  return paths[windows ? 1 : 0];
}

type Json = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The ServiceAccount a pod runs as (the ServiceAccount admission plugin defaults it to `default`). */
export function podServiceAccountName(pod: KubeObject): string {
  const spec = isObject(pod.spec) ? pod.spec : {};
  return str(spec.serviceAccountName) ?? str(spec.serviceAccount) ?? 'default';
}

export function mutatePod(
  pod: KubeObject,
  serviceAccount: KubeObject | undefined,
  settings: WebhookSettings,
  options: MutateOptions = {},
): MutationResult {
  const spec = pod.spec;
  if (!isObject(spec)) return { patch: [], warnings: [], skipped: 'object has no pod spec' };
  const metadata = isObject(pod.metadata) ? pod.metadata : undefined;
  const labels = isObject(metadata?.labels) ? metadata.labels : undefined;
  if (labels && Object.hasOwn(labels, SKIP_POD_LABEL)) {
    return { patch: [], warnings: [], skipped: `opted out by label ${SKIP_POD_LABEL}` };
  }

  const prefix = settings.annotationPrefix;
  const namespace =
    str(options.namespace) ?? str(metadata?.namespace) ?? str(serviceAccount?.metadata?.namespace) ?? 'default';
  const saName = podServiceAccountName(pod);
  const saRef = `${namespace}/${saName}`;
  const podCfg = parsePodAnnotations(annotationsOf(metadata), prefix);
  const warnings = podCfg.warnings;
  const derived = derive(serviceAccount, settings);
  const saCfg = derived.cfg;
  const saAnnotations = derived.annotations;
  const windows = isWindowsPod(spec);

  let plan: InjectionPlan;
  let volume: TokenVolume;
  let volumeJson: string | undefined;
  let mode: NonNullable<MutationResult['mode']>;
  const cc = settings.containerCredentials;
  if (cc && isListed(cc.identities, namespace, saName)) {
    // Container credentials ("EKS Pod Identity") mode wins over role-arn, as upstream.
    mode = 'container-credentials';
    for (const w of saCfg.warnings) warnings.push(w);
    let expirationSeconds = podCfg.expirationSeconds ?? saCfg.expirationSeconds;
    if (expirationSeconds === DEFAULT_TOKEN_EXPIRATION_SECONDS) {
      const random = options.random ?? Math.random;
      expirationSeconds = JITTER_MIN + Math.floor(random() * (DEFAULT_TOKEN_EXPIRATION_SECONDS - JITTER_MIN + 1));
    }
    if (derived.ccFor !== cc) {
      derived.plans[2] = derived.plans[3] = undefined;
      derived.ccFor = cc;
    }
    const slot = windows ? 3 : 2;
    plan = derived.plans[slot] ??= injectionPlan(
      [
        { name: CONTAINER_CREDENTIALS_ENV[0], value: cc.fullUri },
        { name: CONTAINER_CREDENTIALS_ENV[1], value: cachedTokenPath(cc, cc.mountPath, cc.tokenPath, windows) },
      ],
      saCfg.useRegionalSts,
      saCfg.region,
      cc.volumeName,
      cc.mountPath,
    );
    volume = tokenVolume(cc.volumeName, cc.audience, expirationSeconds, cc.tokenPath);
  } else {
    if (!serviceAccount) return { patch: [], warnings, skipped: `ServiceAccount ${saRef} not found` };
    const roleArn = saCfg.roleArn;
    if (roleArn === undefined) {
      warnings.push(...noRoleWarnings(saAnnotations, prefix, saRef));
      return { patch: [], warnings, skipped: `ServiceAccount ${saRef} has no ${prefix}/${ANNOTATIONS.roleArn}` };
    }
    if (derived.rolePartition === undefined) {
      const parsed = parseRoleArn(roleArn);
      derived.rolePartition = parsed ? parsed.partition : null;
      if (parsed) derived.webIdentityWarnings = [...saCfg.warnings, ...partitionWarnings(saCfg, parsed.partition)];
    }
    if (derived.rolePartition === null) {
      warnings.push(...saCfg.warnings);
      warnings.push(
        `${prefix}/${ANNOTATIONS.roleArn} "${clip(roleArn)}" on ServiceAccount ${saRef} is not an IAM role ARN; ` +
          'credentials not injected',
      );
      return { patch: [], warnings, skipped: `invalid ${prefix}/${ANNOTATIONS.roleArn} on ServiceAccount ${saRef}` };
    }
    for (const w of derived.webIdentityWarnings!) warnings.push(w);
    mode = 'web-identity';
    const slot = windows ? 1 : 0;
    plan = derived.plans[slot] ??= injectionPlan(
      [
        { name: WEB_IDENTITY_ENV[0], value: roleArn },
        {
          name: WEB_IDENTITY_ENV[1],
          value: cachedTokenPath(settings, settings.mountPath, TOKEN_FILE_NAME, windows),
        },
      ],
      saCfg.useRegionalSts,
      saCfg.region,
      DEFAULT_TOKEN_VOLUME,
      settings.mountPath,
    );
    if (podCfg.expirationSeconds === undefined || podCfg.expirationSeconds === saCfg.expirationSeconds) {
      volume = tokenVolume(DEFAULT_TOKEN_VOLUME, saCfg.audience, saCfg.expirationSeconds, TOKEN_FILE_NAME);
      volumeJson = derived.volumeJson ??= JSON.stringify(volume);
    } else {
      volume = tokenVolume(DEFAULT_TOKEN_VOLUME, saCfg.audience, podCfg.expirationSeconds, TOKEN_FILE_NAME);
    }
  }

  const patch = new PatchBuilder();
  if (mode === 'container-credentials' && labels?.[POD_IDENTITY_LABEL] !== 'enabled') {
    const op = metadata
      ? setKeyOp('/metadata/labels', metadata.labels, POD_IDENTITY_LABEL, 'enabled')
      : { op: 'add' as const, path: '/metadata', value: { labels: { [POD_IDENTITY_LABEL]: 'enabled' } } };
    patch.add(op.path, op.value, JSON.stringify(op.value));
  }

  const existing = findNamed(spec.volumes, volume.name);
  if (existing === undefined) {
    const json = volumeJson ?? JSON.stringify(volume);
    if (Array.isArray(spec.volumes))
      patch.add('/spec/volumes/-', volume, json, volumeJson ? derived.volumeOps : undefined);
    else patch.add('/spec/volumes', [volume], `[${json}]`);
  } else if (!isProjectedToken(existing)) {
    warnings.push(`volume ${volume.name} already exists and is not a projected token; kept as is`);
  }

  let envFromContainers: string[] | undefined;
  const skip = podCfg.skipContainers;
  for (const field of CONTAINER_FIELDS) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const container = list[i];
      if (!isObject(container)) continue;
      const name = typeof container.name === 'string' ? container.name : '';
      if (skip.size > 0 && skip.has(name)) continue;
      const change = containerChange(container, plan);
      const env = change.env;
      const paths = env.length > 0 || change.mount ? containerPaths(field, i) : undefined;
      if (paths && env.length > 0) {
        if (Array.isArray(container.env)) {
          for (const e of env) patch.add(paths.envAppend, copyEnv(e), e.json, e.ops);
        } else {
          // Entries are a subset of the plan in plan order: as many as the plan has means all of them.
          const all = env.length === plannedCount(plan);
          const cached = all ? plan.allEnvOps : undefined;
          const text = cached?.has(paths.env) ? '' : `[${env.map(envJson).join(',')}]`;
          patch.add(paths.env, env.map(copyEnv), text, cached);
        }
      }
      if (paths && change.mount) {
        const mount = volumeMount(plan.volumeName, plan.mountPath);
        if (Array.isArray(container.volumeMounts)) patch.add(paths.mountsAppend, mount, plan.mountJson, plan.mountOps);
        else patch.add(paths.mounts, [mount], `[${plan.mountJson}]`);
      }
      if (env.length > 0 && usesEnvFrom(container)) {
        if (envFromContainers === undefined) envFromContainers = [];
        envFromContainers.push(name);
      }
      const otherPath = conflictingMountPath(container.volumeMounts, plan.volumeName, plan.mountPath);
      if (otherPath !== undefined) {
        warnings.push(
          `container ${name} mounts ${plan.volumeName} at ${otherPath}, not ${plan.mountPath}: the token file env points elsewhere`,
        );
      }
    }
  }
  if (envFromContainers !== undefined) warnings.push(envFromWarning(envFromContainers));

  if (patch.ops.length > 0 && settings.tokenFsGroup !== undefined && !windows) {
    const sc = spec.securityContext;
    if (!isObject(sc) || sc.fsGroup === undefined || sc.fsGroup === null) {
      const op = setKeyOp('/spec/securityContext', sc, 'fsGroup', settings.tokenFsGroup);
      patch.add(op.path, op.value, JSON.stringify(op.value));
    }
  }

  const ops = patch.ops;
  if (ops.length === 0) return { patch: ops, warnings, skipped: 'already mutated: nothing to add', mode };
  return options.json ? { patch: ops, warnings, mode, patchJson: patch.json() } : { patch: ops, warnings, mode };
}

const CONTAINER_FIELDS = ['initContainers', 'containers'] as const;

interface ContainerPaths {
  env: string;
  envAppend: string;
  mounts: string;
  mountsAppend: string;
}

/** JSON pointers of one container's env and volumeMounts, built once per (field, index). */
const pathCache: Record<(typeof CONTAINER_FIELDS)[number], ContainerPaths[]> = { initContainers: [], containers: [] };

function containerPaths(field: (typeof CONTAINER_FIELDS)[number], i: number): ContainerPaths {
  const cache = pathCache[field];
  let p = cache[i];
  if (p === undefined) {
    const base = `/spec/${field}/${i}`;
    p = { env: `${base}/env`, envAppend: `${base}/env/-`, mounts: `${base}/volumeMounts`, mountsAppend: '' };
    p.mountsAppend = `${p.mounts}/-`;
    // Pods have a handful of containers; a pathological one with thousands is served without caching them all.
    if (i < 64) cache[i] = p;
  }
  return p;
}

/**
 * The ops and, next to them, their JSON text: values come with their JSON (cached per ServiceAccount for env,
 * mount and volume), and paths are built here from fixed tokens and indexes only, so they need no escaping.
 * The text is exactly `JSON.stringify(ops)` (test/core/webhook-mutate.test.ts checks it on every case).
 */
class PatchBuilder {
  readonly ops: JsonPatchOp[] = [];
  private readonly parts: string[] = [];

  /**
   * `opCache`: the op texts of this cached value by path, so a repeated op is not written out again; `valueJson` is
   * only read on a miss.
   */
  add(path: string, value: unknown, valueJson: string, opCache?: Map<string, string>): void {
    this.ops.push({ op: 'add', path, value });
    let text = opCache?.get(path);
    if (text === undefined) {
      text = `{"op":"add","path":"${path}","value":${valueJson}}`;
      // Paths come from a bounded set (containerPaths caches 64 per field); a pathological pod is not cached.
      if (opCache !== undefined && opCache.size < 64) opCache.set(path, text);
    }
    this.parts.push(text);
  }

  /** Pods of one workload produce the same op texts (the same cached strings): the last join is reused. */
  json(): string {
    const parts = this.parts;
    const last = lastPatch.parts;
    if (parts.length === last.length) {
      let same = true;
      for (let i = 0; i < parts.length && same; i++) same = parts[i] === last[i];
      if (same) return lastPatch.json;
    }
    const json = `[${parts.join(',')}]`;
    lastPatch = { parts, json };
    return json;
  }
}

let lastPatch: { parts: readonly string[]; json: string } = { parts: [], json: '[]' };

/**
 * The envFrom warning, one string per container-name list: pods of a workload share it, so the server's
 * warnings JSON is not rebuilt per pod (admission.ts compares warnings by identity first).
 */
const envFromWarnings = new Map<string, string>();

function envFromWarning(containers: string[]): string {
  const names = containers.length === 1 ? containers[0] : containers.join(', ');
  let w = envFromWarnings.get(names);
  if (w === undefined) {
    w =
      `envFrom in container(s) ${names}: the injected AWS_* env overrides the same names ` +
      'from envFrom; set them under env to keep yours';
    // Bounded in count and size: container names come from pods (not validated yet at admission), and a cache
    // must not grow with hostile input.
    if (envFromWarnings.size < 256 && names.length <= 256) envFromWarnings.set(names, w);
  }
  return w;
}

function copyEnv(e: PlannedEnv): { name: string; value: string } {
  return { name: e.name, value: e.value };
}

function envJson(e: PlannedEnv): string {
  return e.json;
}

function isListed(identities: ContainerCredentialsSettings['identities'], namespace: string, sa: string): boolean {
  for (const i of identities) if (i.namespace === namespace && i.serviceAccount === sa) return true;
  return false;
}

function findNamed(list: unknown, name: string): unknown {
  if (!Array.isArray(list)) return undefined;
  for (const v of list) if (isObject(v) && v.name === name) return v;
  return undefined;
}

function annotationsOf(metadata: unknown): Record<string, string> | undefined {
  if (!isObject(metadata) || !isObject(metadata.annotations)) return undefined;
  return metadata.annotations as Record<string, string>;
}

function clip(s: string): string {
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}

function isProjectedToken(volume: unknown): boolean {
  if (!isObject(volume) || !isObject(volume.projected) || !Array.isArray(volume.projected.sources)) return false;
  return volume.projected.sources.some((s) => isObject(s) && isObject(s.serviceAccountToken));
}

function conflictingMountPath(mounts: unknown, volumeName: string, mountPath: string): string | undefined {
  if (!Array.isArray(mounts)) return undefined;
  const m = mounts.find((x) => isObject(x) && x.name === volumeName);
  if (!isObject(m) || m.mountPath === mountPath) return undefined;
  return typeof m.mountPath === 'string' ? m.mountPath : '(none)';
}

/** Why a ServiceAccount without role-arn may still have been meant for us (upstream issues #109, #200). */
function noRoleWarnings(annotations: Record<string, string> | undefined, prefix: string, saRef: string): string[] {
  const out: string[] = [];
  const nearMiss = findNearMissKeys(annotations, prefix);
  if (nearMiss.length > 0) {
    out.push(
      `ServiceAccount ${saRef} has ${nearMiss.join(', ')} but no ${prefix}/${ANNOTATIONS.roleArn}; not injected`,
    );
  } else if (annotations) {
    const ours = Object.keys(annotations).filter((k) => k.startsWith(`${prefix}/`));
    if (ours.length > 0) {
      out.push(`ServiceAccount ${saRef} has ${ours.join(', ')} but no ${prefix}/${ANNOTATIONS.roleArn}; not injected`);
    }
  }
  return out;
}

/** A region from another partition than the role's cannot reach that role's STS (#149). */
function partitionWarnings(sa: ServiceAccountConfig, rolePartition: string): string[] {
  if (sa.region === '' || partitionForRegion(sa.region) === rolePartition) return [];
  return [`region ${sa.region} is outside the role's partition ${rolePartition}; STS calls may fail`];
}
