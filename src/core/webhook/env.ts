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

/** What every injected container receives; built once per pod. */
export interface InjectionPlan {
  /** The credential pair, in upstream order: [AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE] or the CC pair. */
  credentials: [EnvVar, EnvVar];
  useRegionalSts: boolean;
  /** '' = no region injection. */
  region: string;
  volumeName: string;
  mountPath: string;
}

export interface ContainerChange {
  env: EnvVar[];
  mount?: VolumeMount;
}

function names(list: unknown, key: 'name'): Set<string> {
  const out = new Set<string>();
  if (!Array.isArray(list)) return out;
  for (const item of list) {
    if (item && typeof item === 'object' && typeof (item as Record<string, unknown>)[key] === 'string') {
      out.add((item as Record<string, string>)[key]);
    }
  }
  return out;
}

/** Env entries and mount to append to `container`; both empty when it needs nothing. */
export function containerChange(container: Record<string, unknown>, plan: InjectionPlan): ContainerChange {
  const defined = names(container.env, 'name');
  const credentialsDefined = plan.credentials.some((e) => defined.has(e.name));
  const regionDefined = REGION_ENV.some((n) => defined.has(n));
  const stsDefined = defined.has(STS_REGIONAL_ENV);

  // Upstream's short-circuit: a container that sets credentials, region and STS endpoints itself is left
  // completely alone, mount included, whether or not region/STS injection is enabled.
  if (credentialsDefined && regionDefined && stsDefined) return { env: [] };

  const env: EnvVar[] = [];
  if (!stsDefined && plan.useRegionalSts) env.push({ name: STS_REGIONAL_ENV, value: 'regional' });
  // Both or neither: a container that picked one region name keeps its choice.
  if (!regionDefined && plan.region !== '') {
    for (const name of REGION_ENV) env.push({ name, value: plan.region });
  }
  // Both or neither, too: a container that sets only AWS_ROLE_ARN gets no token file (fixture rawPodSkip).
  if (!credentialsDefined) env.push(...plan.credentials.map((e) => ({ ...e })));

  const mounted = names(container.volumeMounts, 'name').has(plan.volumeName);
  const mount: VolumeMount | undefined = mounted
    ? undefined
    : { name: plan.volumeName, readOnly: true, mountPath: plan.mountPath };
  return mount ? { env, mount } : { env };
}

/** Whether `container` has an envFrom whose values an injected variable may shadow. */
export function usesEnvFrom(container: Record<string, unknown>): boolean {
  return Array.isArray(container.envFrom) && container.envFrom.length > 0;
}
