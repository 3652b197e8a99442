/**
 * Which environment variables one container gets, by the EKS webhook's rules (`addEnvToContainer`): new entries are
 * appended in the order AWS_STS_REGIONAL_ENDPOINTS, AWS_DEFAULT_REGION, AWS_REGION, then the credential pair;
 * nothing a container already lists under `env` is overwritten.
 *
 * `envFrom` is not (cannot be) inspected: the ConfigMaps and Secrets it names are not in the AdmissionReview, and
 * reading them would need cluster-wide Secret access. Kubernetes lets `env` win over `envFrom`, so an injected
 * variable shadows the same name coming from envFrom; build-patch.ts warns about it (upstream issue #248).
 */
import { isObject } from '../json/is-object.js';
import { frozen } from './frozen.js';

export interface EnvVar {
  name: string;
  value: string;
}

export const WEB_IDENTITY_ENV = ['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'] as const;
export const CONTAINER_CREDENTIALS_ENV = [
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
] as const;
export const REGION_ENV = ['AWS_DEFAULT_REGION', 'AWS_REGION'] as const;
export const STS_REGIONAL_ENV = 'AWS_STS_REGIONAL_ENDPOINTS';

/**
 * Variables that go together: a container that defines any of `names` itself gets none of them (a container that
 * picked one region name keeps its choice; one that sets only AWS_ROLE_ARN gets no token file, fixture rawPodSkip).
 * `entries` is undefined when this pod gets none of the group (no region configured); the group still counts for
 * the short-circuit in missingEnv. Frozen: entries go into patches as they are.
 */
export interface EnvGroup {
  readonly names: readonly string[];
  readonly entries?: readonly Readonly<EnvVar>[];
}

/** What decides the values: the resolved configuration of one pod (resolve.ts). */
export interface EnvInputs {
  mode: 'web-identity' | 'container-credentials';
  regionalSts: boolean;
  /** '' = inject no region. */
  region: string;
  /** AWS_ROLE_ARN (web identity) or AWS_CONTAINER_CREDENTIALS_FULL_URI (container credentials). */
  credential: string;
  /** The token file as the container sees it. */
  tokenFile: string;
}

/**
 * What every container of a pod is offered (frozen): the groups; all their entries in group order, which is what a
 * container that defines none of the variables gets (the common case: one shared list, not one built per
 * container); and each variable name's group bits, for the one pass over a container's env.
 */
export interface EnvPlan {
  readonly groups: readonly EnvGroup[];
  readonly all: readonly Readonly<EnvVar>[];
  /**
   * Name → bit g set for group g (a null-prototype object). An object, not a walk over the groups' name lists: V8
   * reads frozen arrays slowly, and a container's env names are compared with every name; on the benchmark pod's
   * two containers the walk took 190–260 ns, these lookups 40–45 ns.
   */
  readonly bits: Readonly<Record<string, number>>;
}

/** The variables a container gets, in upstream order: the one place that names them and their values. */
export function envGroups(i: EnvInputs): EnvPlan {
  const groups = [
    group([STS_REGIONAL_ENV], i.regionalSts ? ['regional'] : undefined),
    group(REGION_ENV, i.region === '' ? undefined : [i.region, i.region]),
    group(i.mode === 'web-identity' ? WEB_IDENTITY_ENV : CONTAINER_CREDENTIALS_ENV, [i.credential, i.tokenFile]),
  ];
  const bits: Record<string, number> = Object.create(null);
  groups.forEach((g, k) => {
    for (const name of g.names) bits[name] = (bits[name] ?? 0) | (1 << k);
  });
  return frozen({ groups, all: groups.flatMap((g) => g.entries ?? []), bits });
}

function group(names: readonly string[], values: readonly string[] | undefined): EnvGroup {
  return { names, entries: values?.map((value, k) => ({ name: names[k], value })) };
}

/**
 * The entries `container` lacks, in group order (the groups' frozen entries; `env.all` itself when it defines none);
 * undefined when the container defines a variable of every group itself: upstream then leaves it completely alone,
 * mount included, whether or not region/STS injection is enabled.
 */
export function missingEnv(container: Record<string, unknown>, env: EnvPlan): readonly Readonly<EnvVar>[] | undefined {
  const { groups } = env;
  const defined = definedGroups(container.env, env.bits);
  if (defined === 0) return env.all;
  if (defined === (1 << groups.length) - 1) return undefined;
  const out: Readonly<EnvVar>[] = [];
  for (let g = 0; g < groups.length; g++) {
    const entries = groups[g].entries;
    if ((defined & (1 << g)) === 0 && entries !== undefined) out.push(...entries);
  }
  return out;
}

/** Bit g is set when the container's env names a variable of group g (one pass over the env). */
function definedGroups(env: unknown, bits: Readonly<Record<string, number>>): number {
  let defined = 0;
  if (!Array.isArray(env)) return defined;
  for (let i = 0; i < env.length; i++) {
    const item = env[i];
    if (!isObject(item) || typeof item.name !== 'string') continue;
    const b = bits[item.name];
    if (b !== undefined) defined |= b;
  }
  return defined;
}

/** Whether `container` has an envFrom whose values an injected variable may shadow. */
export function usesEnvFrom(container: Record<string, unknown>): boolean {
  return Array.isArray(container.envFrom) && container.envFrom.length > 0;
}
