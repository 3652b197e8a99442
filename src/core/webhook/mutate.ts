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
 */
import { parseRoleArn, partitionForRegion } from '../aws/arn.js';
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
  usesEnvFrom,
  WEB_IDENTITY_ENV,
} from './env.js';
import { appendOps, pointer, setKeyOp } from './patch.js';
import {
  type JsonPatchOp,
  type KubeObject,
  type MutationResult,
  SKIP_POD_LABEL,
  type WebhookSettings,
} from './types.js';
import { isWindowsPod, type TokenVolume, tokenFilePath, tokenVolume } from './volume.js';

/** The web identity volume name and token file name are fixed upstream. */
export const TOKEN_VOLUME_NAME = 'aws-iam-token';
export const TOKEN_FILE_NAME = 'token';
/** Written in container-credentials mode; not under `<prefix>` upstream either. */
export const POD_IDENTITY_LABEL = 'eks.amazonaws.com/pod-identity';

/** Upstream's container-credentials jitter: a default 86400 s becomes uniform in [79200, 86400]. */
const JITTER_MIN = 79200;
const DEFAULT_EXPIRATION = 86400;

export interface MutateOptions {
  /** The AdmissionReview's `request.namespace` (pods being created often lack `metadata.namespace`). */
  namespace?: string;
  /** [0, 1) source for the container-credentials jitter; Math.random by default. */
  random?: () => number;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

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
  const warnings = [...podCfg.warnings];
  const saAnnotations = annotationsOf(serviceAccount?.metadata);
  const saCfg = parseServiceAccountAnnotations(saAnnotations, prefix, {
    audience: settings.audience,
    stsRegionalEndpoints: settings.stsRegionalEndpoints,
    expirationSeconds: settings.expirationSeconds,
    region: settings.region,
  });
  const windows = isWindowsPod(spec);

  let plan: InjectionPlan;
  let volume: TokenVolume;
  let mode: NonNullable<MutationResult['mode']>;
  const cc = settings.containerCredentials;
  if (cc?.identities.some((i) => i.namespace === namespace && i.serviceAccount === saName)) {
    // Container credentials ("EKS Pod Identity") mode wins over role-arn, as upstream.
    mode = 'container-credentials';
    warnings.push(...saCfg.warnings);
    let expirationSeconds = podCfg.expirationSeconds ?? saCfg.expirationSeconds;
    if (expirationSeconds === DEFAULT_EXPIRATION) {
      const random = options.random ?? Math.random;
      expirationSeconds = JITTER_MIN + Math.floor(random() * (DEFAULT_EXPIRATION - JITTER_MIN + 1));
    }
    plan = {
      credentials: [
        { name: CONTAINER_CREDENTIALS_ENV[0], value: cc.fullUri },
        { name: CONTAINER_CREDENTIALS_ENV[1], value: tokenFilePath(cc.mountPath, cc.tokenPath, windows) },
      ],
      useRegionalSts: saCfg.useRegionalSts,
      region: saCfg.region,
      volumeName: cc.volumeName,
      mountPath: cc.mountPath,
    };
    volume = tokenVolume(cc.volumeName, cc.audience, expirationSeconds, cc.tokenPath);
  } else {
    if (!serviceAccount) return { patch: [], warnings, skipped: `ServiceAccount ${saRef} not found` };
    const roleArn = saCfg.roleArn;
    if (roleArn === undefined) {
      warnings.push(...noRoleWarnings(saAnnotations, prefix, saRef));
      return { patch: [], warnings, skipped: `ServiceAccount ${saRef} has no ${prefix}/${ANNOTATIONS.roleArn}` };
    }
    warnings.push(...saCfg.warnings);
    const parsed = parseRoleArn(roleArn);
    if (!parsed) {
      warnings.push(
        `${prefix}/${ANNOTATIONS.roleArn} "${clip(roleArn)}" on ServiceAccount ${saRef} is not an IAM role ARN; ` +
          'credentials not injected',
      );
      return { patch: [], warnings, skipped: `invalid ${prefix}/${ANNOTATIONS.roleArn} on ServiceAccount ${saRef}` };
    }
    warnings.push(...partitionWarnings(saCfg, parsed.partition));
    mode = 'web-identity';
    const expirationSeconds = podCfg.expirationSeconds ?? saCfg.expirationSeconds;
    plan = {
      credentials: [
        { name: WEB_IDENTITY_ENV[0], value: roleArn },
        { name: WEB_IDENTITY_ENV[1], value: tokenFilePath(settings.mountPath, TOKEN_FILE_NAME, windows) },
      ],
      useRegionalSts: saCfg.useRegionalSts,
      region: saCfg.region,
      volumeName: TOKEN_VOLUME_NAME,
      mountPath: settings.mountPath,
    };
    volume = tokenVolume(TOKEN_VOLUME_NAME, saCfg.audience, expirationSeconds, TOKEN_FILE_NAME);
  }

  const patch: JsonPatchOp[] = [];
  if (mode === 'container-credentials' && labels?.[POD_IDENTITY_LABEL] !== 'enabled') {
    patch.push(
      metadata
        ? setKeyOp('/metadata/labels', metadata.labels, POD_IDENTITY_LABEL, 'enabled')
        : { op: 'add', path: '/metadata', value: { labels: { [POD_IDENTITY_LABEL]: 'enabled' } } },
    );
  }

  const existing = Array.isArray(spec.volumes)
    ? spec.volumes.find((v) => isObject(v) && v.name === volume.name)
    : undefined;
  if (existing === undefined) patch.push(...appendOps('/spec/volumes', spec.volumes, [volume]));
  else if (!isProjectedToken(existing)) {
    warnings.push(`volume ${volume.name} already exists and is not a projected token; kept as is`);
  }

  const envFromContainers: string[] = [];
  for (const field of ['initContainers', 'containers'] as const) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    list.forEach((container, i) => {
      if (!isObject(container)) return;
      const name = typeof container.name === 'string' ? container.name : '';
      if (podCfg.skipContainers.has(name)) return;
      const change = containerChange(container, plan);
      patch.push(...appendOps(pointer('spec', field, i, 'env'), container.env, change.env));
      if (change.mount)
        patch.push(...appendOps(pointer('spec', field, i, 'volumeMounts'), container.volumeMounts, [change.mount]));
      if (change.env.length > 0 && usesEnvFrom(container)) envFromContainers.push(name);
      const otherPath = conflictingMountPath(container.volumeMounts, plan.volumeName, plan.mountPath);
      if (otherPath !== undefined) {
        warnings.push(
          `container ${name} mounts ${plan.volumeName} at ${otherPath}, not ${plan.mountPath}: the token file env points elsewhere`,
        );
      }
    });
  }
  if (envFromContainers.length > 0) {
    warnings.push(
      `envFrom in container(s) ${envFromContainers.join(', ')}: the injected AWS_* env overrides the same names ` +
        'from envFrom; set them under env to keep yours',
    );
  }

  if (patch.length > 0 && settings.tokenFsGroup !== undefined && !windows) {
    const sc = spec.securityContext;
    if (!isObject(sc) || sc.fsGroup === undefined || sc.fsGroup === null) {
      patch.push(setKeyOp('/spec/securityContext', sc, 'fsGroup', settings.tokenFsGroup));
    }
  }

  if (patch.length === 0) return { patch, warnings, skipped: 'already mutated: nothing to add', mode };
  return { patch, warnings, mode };
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
