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

/** The variables a container gets, in upstream order: the one place that names them and their values. */
export function envGroups(i: EnvInputs): readonly EnvGroup[] {
  return frozen([
    group([STS_REGIONAL_ENV], i.regionalSts ? ['regional'] : undefined),
    group(REGION_ENV, i.region === '' ? undefined : [i.region, i.region]),
    group(i.mode === 'web-identity' ? WEB_IDENTITY_ENV : CONTAINER_CREDENTIALS_ENV, [i.credential, i.tokenFile]),
  ]);
}

function group(names: readonly string[], values: readonly string[] | undefined): EnvGroup {
  return { names, entries: values?.map((value, k) => ({ name: names[k], value })) };
}

/**
 * The entries `container` lacks, in group order (the groups' frozen entries); undefined when the container defines
 * a variable of every group itself: upstream then leaves it completely alone, mount included, whether or not
 * region/STS injection is enabled.
 */
export function missingEnv(
  container: Record<string, unknown>,
  groups: readonly EnvGroup[],
): Readonly<EnvVar>[] | undefined {
  const defined = definedGroups(container.env, groups);
  if (defined === (1 << groups.length) - 1) return undefined;
  const out: Readonly<EnvVar>[] = [];
  for (let g = 0; g < groups.length; g++) {
    const { entries } = groups[g];
    if ((defined & (1 << g)) === 0 && entries !== undefined) for (const e of entries) out.push(e);
  }
  return out;
}

/** Bit g is set when the container's env names a variable of group g (one pass over the env). */
function definedGroups(env: unknown, groups: readonly EnvGroup[]): number {
  let defined = 0;
  if (!Array.isArray(env)) return defined;
  for (const item of env) {
    if (!isObject(item) || typeof item.name !== 'string') continue;
    for (let g = 0; g < groups.length; g++) if (groups[g].names.includes(item.name)) defined |= 1 << g;
  }
  return defined;
}

/** Whether `container` has an envFrom whose values an injected variable may shadow. */
export function usesEnvFrom(container: Record<string, unknown>): boolean {
  return Array.isArray(container.envFrom) && container.envFrom.length > 0;
}
