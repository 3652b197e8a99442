/**
 * Step 1 of the mutation (as the EKS webhook's `getPodIdentity`/`updatePodSpec`): what this pod gets, from its
 * ServiceAccount, its own annotations and the settings. Pure: objects in, a plan (or the reason to skip) out.
 */
import { parseRoleArn, partitionForRegion } from '../aws/arn.js';
import { DEFAULT_TOKEN_EXPIRATION_SECONDS, DEFAULT_TOKEN_VOLUME } from '../defaults.js';
import { isObject } from '../json/is-object.js';
import {
  ANNOTATIONS,
  type Annotations,
  findNearMissKeys,
  type PodConfig,
  parsePodAnnotations,
  parseServiceAccountAnnotations,
  type ServiceAccountConfig,
} from './annotations.js';
import { clip, clipList } from './clip.js';
import { type EnvPlan, envGroups } from './env.js';
import { frozen } from './frozen.js';
import { type ContainerCredentialsSettings, type KubeObject, SKIP_POD_LABEL, type WebhookSettings } from './types.js';
import { isWindowsPod, type TokenVolume, tokenFilePath, tokenVolume, type VolumeMount, volumeMount } from './volume.js';

/** The web identity token file name is fixed upstream. */
export const TOKEN_FILE_NAME = 'token';

/** Upstream's container-credentials jitter: a default 86400 s becomes uniform in [79200, 86400]. */
const JITTER_MIN = 79200;

/**
 * What one mode injects for a ServiceAccount: the env by OS (`[Linux, Windows]`: the token file path differs), the
 * mount, and (web identity) the volume with the ServiceAccount's token lifetime. Frozen, so patches share them.
 */
export interface Injection {
  env: readonly [linux: EnvPlan, windows: EnvPlan];
  mount: Readonly<VolumeMount>;
  volume?: TokenVolume;
}

/** What one ServiceAccount yields under one settings value, whatever the pod. */
export interface ServiceAccountIdentity {
  annotations: Annotations;
  /** Its annotations, with the settings as defaults. */
  config: ServiceAccountConfig;
  /** Set when role-arn (composed, with --compose-role-arn) is an IAM role ARN. */
  role?: { arn: string; partition: string };
  /** config.warnings, plus the partition warning when there is a role. */
  warnings: readonly string[];
  /** With a role. */
  webIdentity?: Injection;
  /** When container-credentials mode is configured. */
  containerCredentials?: Injection;
}

/** resolveServiceAccount, or a memo of it (the server keeps one per ServiceAccount version and settings value). */
export type ResolveServiceAccount = (sa: KubeObject | undefined, settings: WebhookSettings) => ServiceAccountIdentity;

export function resolveServiceAccount(sa: KubeObject | undefined, settings: WebhookSettings): ServiceAccountIdentity {
  const annotations = annotationsOf(sa?.metadata);
  const config = parseServiceAccountAnnotations(annotations, settings.annotationPrefix, {
    audience: settings.audience,
    stsRegionalEndpoints: settings.stsRegionalEndpoints,
    expirationSeconds: settings.expirationSeconds,
    region: settings.region,
    composeRoleArn: settings.composeRoleArn,
  });
  const cc = settings.containerCredentials;
  const identity: ServiceAccountIdentity = {
    annotations,
    config,
    warnings: config.warnings,
    containerCredentials: cc ? containerCredentialsInjection(config, cc) : undefined,
  };
  const parsed = config.roleArn === undefined ? undefined : parseRoleArn(config.roleArn);
  if (parsed === undefined) return identity;
  const role = { arn: config.roleArn as string, partition: parsed.partition };
  return {
    ...identity,
    role,
    warnings: [...config.warnings, ...partitionWarnings(config, role.partition)],
    webIdentity: webIdentityInjection(config, role.arn, settings),
  };
}

function webIdentityInjection(config: ServiceAccountConfig, roleArn: string, settings: WebhookSettings): Injection {
  const env = (windows: boolean) =>
    envGroups({
      mode: 'web-identity',
      regionalSts: config.useRegionalSts,
      region: config.region,
      credential: roleArn,
      tokenFile: tokenFilePath(settings.mountPath, TOKEN_FILE_NAME, windows),
    });
  return frozen({
    env: [env(false), env(true)],
    mount: volumeMount(DEFAULT_TOKEN_VOLUME, settings.mountPath),
    volume: tokenVolume(DEFAULT_TOKEN_VOLUME, config.audience, config.expirationSeconds, TOKEN_FILE_NAME),
  });
}

function containerCredentialsInjection(config: ServiceAccountConfig, cc: ContainerCredentialsSettings): Injection {
  const env = (windows: boolean) =>
    envGroups({
      mode: 'container-credentials',
      regionalSts: config.useRegionalSts,
      region: config.region,
      credential: cc.fullUri,
      tokenFile: tokenFilePath(cc.mountPath, cc.tokenPath, windows),
    });
  return frozen({ env: [env(false), env(true)], mount: volumeMount(cc.volumeName, cc.mountPath) });
}

/** Everything the patch of one pod is built from (step 2, build-patch.ts). */
export interface PodPlan {
  mode: 'web-identity' | 'container-credentials';
  /** The env every container gets, grouped as injected (env.ts). */
  env: EnvPlan;
  volume: TokenVolume;
  mount: Readonly<VolumeMount>;
  /** Container-credentials mode labels the pod `eks.amazonaws.com/pod-identity: enabled`. */
  label: boolean;
  /** `settings.tokenFsGroup`, for Linux pods. */
  fsGroup?: number;
  skipContainers: ReadonlySet<string>;
  warnings: string[];
}

/** A plan, or why the pod gets none (with the warnings so far). */
export type Resolution = PodPlan | { mode?: undefined; skipped: string; warnings: string[] };

export interface ResolveOptions {
  /** The AdmissionReview's `request.namespace` (pods being created often lack `metadata.namespace`). */
  namespace?: string;
  /** [0, 1) source for the container-credentials jitter; Math.random by default. */
  random?: () => number;
  /** Defaults to resolveServiceAccount. */
  resolveServiceAccount?: ResolveServiceAccount;
}

/** Who the pod runs as, with what it said about itself. */
interface PodFacts {
  namespace: string;
  saName: string;
  podCfg: PodConfig;
  windows: boolean;
}

/** `namespace/name` of the pod's ServiceAccount, as messages show it (only built when one is written). */
function saRef(facts: PodFacts): string {
  return clip(`${facts.namespace}/${facts.saName}`);
}

export function resolvePod(
  pod: KubeObject,
  serviceAccount: KubeObject | undefined,
  settings: WebhookSettings,
  options: ResolveOptions = {},
): Resolution {
  const spec = pod.spec;
  if (!isObject(spec)) return { skipped: 'object has no pod spec', warnings: [] };
  const metadata = isObject(pod.metadata) ? pod.metadata : undefined;
  if (isObject(metadata?.labels) && Object.hasOwn(metadata.labels, SKIP_POD_LABEL)) {
    return { skipped: `opted out by label ${SKIP_POD_LABEL}`, warnings: [] };
  }
  const namespace =
    str(options.namespace) ?? str(metadata?.namespace) ?? str(serviceAccount?.metadata?.namespace) ?? 'default';
  const saName = podServiceAccountName(pod);
  const facts: PodFacts = {
    namespace,
    saName,
    podCfg: parsePodAnnotations(annotationsOf(metadata), settings.annotationPrefix),
    windows: isWindowsPod(spec),
  };
  const identity = (options.resolveServiceAccount ?? resolveServiceAccount)(serviceAccount, settings);
  const cc = settings.containerCredentials;
  // Container credentials ("EKS Pod Identity") mode wins over role-arn, as upstream.
  if (cc && isListed(cc.identities, namespace, saName)) {
    return containerCredentialsPlan(cc, identity, facts, settings, options.random ?? Math.random);
  }
  if (!serviceAccount) return { skipped: `ServiceAccount ${saRef(facts)} not found`, warnings: facts.podCfg.warnings };
  return webIdentityPlan(identity, facts, settings);
}

function webIdentityPlan(id: ServiceAccountIdentity, facts: PodFacts, settings: WebhookSettings): Resolution {
  const prefix = settings.annotationPrefix;
  const warnings = facts.podCfg.warnings;
  const roleArn = id.config.roleArn;
  if (roleArn === undefined) {
    warnings.push(...noRoleWarnings(id.annotations, prefix, saRef(facts)));
    return { skipped: `ServiceAccount ${saRef(facts)} has no ${prefix}/${ANNOTATIONS.roleArn}`, warnings };
  }
  for (const w of id.warnings) warnings.push(w);
  const injection = id.webIdentity;
  if (injection?.volume === undefined) {
    const roleKey = `${prefix}/${ANNOTATIONS.roleArn}`;
    warnings.push(
      `${roleKey} "${clip(roleArn)}" on ServiceAccount ${saRef(facts)} is not an IAM role ARN; credentials not injected`,
    );
    return { skipped: `invalid ${roleKey} on ServiceAccount ${saRef(facts)}`, warnings };
  }
  const cfg = id.config;
  const podSeconds = facts.podCfg.expirationSeconds;
  return {
    mode: 'web-identity',
    env: injection.env[facts.windows ? 1 : 0],
    // The pod's own token-expiration makes its own volume; otherwise the ServiceAccount's is shared.
    volume:
      podSeconds === undefined || podSeconds === cfg.expirationSeconds
        ? injection.volume
        : tokenVolume(DEFAULT_TOKEN_VOLUME, cfg.audience, podSeconds, TOKEN_FILE_NAME),
    mount: injection.mount,
    label: false,
    fsGroup: facts.windows ? undefined : settings.tokenFsGroup,
    skipContainers: facts.podCfg.skipContainers,
    warnings,
  };
}

function containerCredentialsPlan(
  cc: ContainerCredentialsSettings,
  id: ServiceAccountIdentity,
  facts: PodFacts,
  settings: WebhookSettings,
  random: () => number,
): PodPlan {
  const cfg = id.config;
  const injection = id.containerCredentials ?? containerCredentialsInjection(cfg, cc);
  let expirationSeconds = facts.podCfg.expirationSeconds ?? cfg.expirationSeconds;
  if (expirationSeconds === DEFAULT_TOKEN_EXPIRATION_SECONDS) {
    expirationSeconds = JITTER_MIN + Math.floor(random() * (DEFAULT_TOKEN_EXPIRATION_SECONDS - JITTER_MIN + 1));
  }
  return {
    mode: 'container-credentials',
    env: injection.env[facts.windows ? 1 : 0],
    volume: tokenVolume(cc.volumeName, cc.audience, expirationSeconds, cc.tokenPath),
    mount: injection.mount,
    label: true,
    fsGroup: facts.windows ? undefined : settings.tokenFsGroup,
    skipContainers: facts.podCfg.skipContainers,
    warnings: [...facts.podCfg.warnings, ...cfg.warnings],
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The ServiceAccount a pod runs as (the ServiceAccount admission plugin defaults it to `default`). */
export function podServiceAccountName(pod: KubeObject): string {
  const spec = isObject(pod.spec) ? pod.spec : {};
  return str(spec.serviceAccountName) ?? str(spec.serviceAccount) ?? 'default';
}

function isListed(identities: ContainerCredentialsSettings['identities'], namespace: string, sa: string): boolean {
  for (const i of identities) if (i.namespace === namespace && i.serviceAccount === sa) return true;
  return false;
}

function annotationsOf(metadata: unknown): Annotations {
  if (!isObject(metadata) || !isObject(metadata.annotations)) return undefined;
  return metadata.annotations as Record<string, string>;
}

/** Why a ServiceAccount without role-arn may still have been meant for us (upstream issues #109, #200). */
function noRoleWarnings(annotations: Annotations, prefix: string, saRef: string): string[] {
  const roleKey = `${prefix}/${ANNOTATIONS.roleArn}`;
  const nearMiss = findNearMissKeys(annotations, prefix);
  const ours =
    nearMiss.length > 0 || !annotations ? [] : Object.keys(annotations).filter((k) => k.startsWith(`${prefix}/`));
  const keys = nearMiss.length > 0 ? nearMiss : ours;
  if (keys.length === 0) return [];
  return [`ServiceAccount ${saRef} has ${clipList(keys)} but no ${roleKey}; not injected`];
}

/** A region from another partition than the role's cannot reach that role's STS (#149). */
function partitionWarnings(sa: ServiceAccountConfig, rolePartition: string): string[] {
  if (sa.region === '' || partitionForRegion(sa.region) === rolePartition) return [];
  return [`region ${clip(sa.region)} is outside the role's partition ${rolePartition}; STS calls may fail`];
}
