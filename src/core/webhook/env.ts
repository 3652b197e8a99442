/**
 * Which environment variables and which volumeMount one container gets, by the EKS webhook's rules
 * (`addEnvToContainer`): new entries are appended in the order AWS_STS_REGIONAL_ENDPOINTS, AWS_DEFAULT_REGION,
 * AWS_REGION, then the credential pair; nothing a container already lists under `env` is overwritten.
 *
 * `envFrom` is not (cannot be) inspected: the ConfigMaps and Secrets it names are not in the AdmissionReview, and
 * reading them would need cluster-wide Secret access. Kubernetes lets `env` win over `envFrom`, so an injected
 * variable shadows the same name coming from envFrom; mutate.ts warns about it (upstream issue #248).
 */

export interface EnvVar {
  name: string;
  value: string;
}

export interface VolumeMount {
  name: string;
  readOnly: true;
  mountPath: string;
}

export const WEB_IDENTITY_ENV = ['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'] as const;
export const CONTAINER_CREDENTIALS_ENV = [
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
] as const;
export const REGION_ENV = ['AWS_DEFAULT_REGION', 'AWS_REGION'] as const;
export const STS_REGIONAL_ENV = 'AWS_STS_REGIONAL_ENDPOINTS';

/** An env entry to inject, with its JSON text (the patch is written as text without stringifying it again). */
export interface PlannedEnv extends EnvVar {
  readonly json: string;
  /** Text of the patch ops that append this entry, by JSON pointer (mutate.ts fills it). */
  readonly ops: Map<string, string>;
}

export function plannedEnv(name: string, value: string): PlannedEnv {
  return { name, value, json: JSON.stringify({ name, value }), ops: new Map() };
}

/**
 * What every injected container receives. Built once per ServiceAccount and settings (mutate.ts caches it), so
 * nothing here may be changed by a caller: patch values are fresh copies of these entries.
 */
export interface InjectionPlan {
  /** The credential pair, in upstream order: [AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE] or the CC pair. */
  credentials: readonly [PlannedEnv, PlannedEnv];
  /** AWS_STS_REGIONAL_ENDPOINTS=regional, when injected. */
  sts: PlannedEnv | undefined;
  /** AWS_DEFAULT_REGION and AWS_REGION, or none ('' region = no region injection). */
  region: readonly PlannedEnv[];
  volumeName: string;
  mountPath: string;
  /** JSON text of the volumeMount `{name, readOnly: true, mountPath}`. */
  mountJson: string;
  /** Text of the patch ops that append the mount, by JSON pointer (mutate.ts fills it). */
  mountOps: Map<string, string>;
  /** Text of the ops that create a container's env with every planned entry, by JSON pointer (mutate.ts fills it). */
  allEnvOps: Map<string, string>;
}

/** How many entries a container that defines none of them gets: all of the plan's. */
export function plannedCount(plan: InjectionPlan): number {
  return (plan.sts ? 1 : 0) + plan.region.length + 2;
}

export function injectionPlan(
  credentials: readonly [EnvVar, EnvVar],
  useRegionalSts: boolean,
  region: string,
  volumeName: string,
  mountPath: string,
): InjectionPlan {
  return {
    credentials: [
      plannedEnv(credentials[0].name, credentials[0].value),
      plannedEnv(credentials[1].name, credentials[1].value),
    ],
    sts: useRegionalSts ? plannedEnv(STS_REGIONAL_ENV, 'regional') : undefined,
    region: region === '' ? [] : REGION_ENV.map((name) => plannedEnv(name, region)),
    volumeName,
    mountPath,
    mountJson: JSON.stringify(volumeMount(volumeName, mountPath)),
    mountOps: new Map(),
    allEnvOps: new Map(),
  };
}

export function volumeMount(name: string, mountPath: string): VolumeMount {
  return { name, readOnly: true, mountPath };
}

export interface ContainerChange {
  /** The plan's entries to append (shared: copy before handing them out). */
  env: PlannedEnv[];
  /** Whether the token volume must be mounted. */
  mount: boolean;
}

const NOTHING: ContainerChange = Object.freeze({ env: Object.freeze([]) as unknown as PlannedEnv[], mount: false });

/** Env entries and mount to append to `container`; both empty when it needs nothing. */
export function containerChange(container: Record<string, unknown>, plan: InjectionPlan): ContainerChange {
  // One pass over the env names instead of a Set: only five names matter.
  let credentialsDefined = false;
  let regionDefined = false;
  let stsDefined = false;
  const list = container.env;
  if (Array.isArray(list)) {
    const c0 = plan.credentials[0].name;
    const c1 = plan.credentials[1].name;
    for (const item of list) {
      if (item === null || typeof item !== 'object') continue;
      const name = (item as Record<string, unknown>).name;
      if (typeof name !== 'string') continue;
      if (name === c0 || name === c1) credentialsDefined = true;
      else if (name === REGION_ENV[0] || name === REGION_ENV[1]) regionDefined = true;
      else if (name === STS_REGIONAL_ENV) stsDefined = true;
    }
  }

  // Upstream's short-circuit: a container that sets credentials, region and STS endpoints itself is left
  // completely alone, mount included, whether or not region/STS injection is enabled.
  if (credentialsDefined && regionDefined && stsDefined) return NOTHING;

  const env: PlannedEnv[] = [];
  if (!stsDefined && plan.sts) env.push(plan.sts);
  // Both or neither: a container that picked one region name keeps its choice.
  if (!regionDefined) for (const e of plan.region) env.push(e);
  // Both or neither, too: a container that sets only AWS_ROLE_ARN gets no token file (fixture rawPodSkip).
  if (!credentialsDefined) env.push(plan.credentials[0], plan.credentials[1]);

  return { env, mount: !hasNamed(container.volumeMounts, plan.volumeName) };
}

function hasNamed(list: unknown, name: string): boolean {
  if (!Array.isArray(list)) return false;
  for (const item of list) {
    if (item !== null && typeof item === 'object' && (item as Record<string, unknown>).name === name) return true;
  }
  return false;
}

/** Whether `container` has an envFrom whose values an injected variable may shadow. */
export function usesEnvFrom(container: Record<string, unknown>): boolean {
  return Array.isArray(container.envFrom) && container.envFrom.length > 0;
}
