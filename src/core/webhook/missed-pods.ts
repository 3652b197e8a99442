/**
 * Pods the webhook should have mutated but did not (created before it was installed, or while it was down or
 * failing open): their ServiceAccount carries `<prefix>/role-arn`, yet the pod lacks the `aws-iam-token` volume or a
 * container lacks the injected env or mount. Grouped by the controller that owns them, with the command that
 * recreates them (admission only runs on create, so a restart is the only fix). Pure: objects in, findings out.
 */

import { DEFAULT_TOKEN_VOLUME } from '../defaults.js';
import { isObject } from '../json/is-object.js';
import { parsePodAnnotations } from './annotations.js';
import { WEB_IDENTITY_ENV } from './env.js';
import { podServiceAccountName } from './mutate.js';
import { type KubeObject, SKIP_POD_LABEL } from './types.js';

type Json = Record<string, unknown>;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

export interface ContainerGap {
  name: string;
  init: boolean;
  missingEnv: string[];
  missingMount: boolean;
}

export interface InjectionGaps {
  /** The pod has the `aws-iam-token` volume. */
  hasVolume: boolean;
  /** Containers (init and regular) lacking env or mount; skip-containers excluded. */
  containers: ContainerGap[];
  /** Containers left out by `<prefix>/skip-containers`. */
  skipped: string[];
  /** Human list of what is missing, empty when the pod is fully injected. */
  missing: string[];
}

/** What of the webhook's injection a pod lacks (volume, env pair, mount per container), honouring skip-containers. */
export function injectionGaps(pod: KubeObject, prefix: string): InjectionGaps {
  const spec = isObject(pod.spec) ? pod.spec : {};
  const podCfg = parsePodAnnotations(pod.metadata?.annotations, prefix);
  const hasVolume = arr(spec.volumes).some((v) => v.name === DEFAULT_TOKEN_VOLUME);
  const containers: ContainerGap[] = [];
  const skipped: string[] = [];
  for (const [field, init] of [
    ['initContainers', true],
    ['containers', false],
  ] as const) {
    for (const c of arr(spec[field])) {
      const name = String(c.name ?? '');
      if (podCfg.skipContainers.has(name)) {
        skipped.push(name);
        continue;
      }
      const env = new Set(arr(c.env).map((e) => e.name));
      const missingEnv = WEB_IDENTITY_ENV.filter((n) => !env.has(n));
      const missingMount = !arr(c.volumeMounts).some((m) => m.name === DEFAULT_TOKEN_VOLUME);
      if (missingEnv.length || missingMount) containers.push({ name, init, missingEnv, missingMount });
    }
  }
  const missing: string[] = [];
  if (!hasVolume) missing.push(`volume ${DEFAULT_TOKEN_VOLUME}`);
  for (const g of containers) {
    const what = [
      ...(g.missingEnv.length ? [`env ${g.missingEnv.join(', ')}`] : []),
      ...(g.missingMount ? ['token mount'] : []),
    ];
    missing.push(`${g.init ? 'init container' : 'container'} ${g.name}: ${what.join(' and ')}`);
  }
  return { hasVolume, containers, skipped, missing };
}

export interface Owner {
  kind: string;
  name: string;
  namespace: string;
  /** Deployment name derived from the ReplicaSet name (the ReplicaSet itself could not be read). */
  guessed?: boolean;
}

export interface MissedPod {
  namespace: string;
  name: string;
  serviceAccount: string;
  roleArn: string;
  phase: string;
  missing: string[];
  owner: Owner;
}

export interface MissedGroup {
  owner: Owner;
  pods: string[];
  /** The command that recreates the pods so admission runs again. */
  command: string;
  note?: string;
}

export interface MissedPodsInput {
  pods: readonly KubeObject[];
  serviceAccounts: readonly KubeObject[];
  /** ReplicaSets that own affected pods, when they could be read (to name their Deployment exactly). */
  replicaSets?: readonly KubeObject[];
  prefix: string;
}

const ROLLOUT_KINDS: Record<string, string> = {
  Deployment: 'deployment',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemonset',
};

export function findMissedPods(input: MissedPodsInput): { pods: MissedPod[]; groups: MissedGroup[] } {
  const key = (ns: unknown, name: unknown) => `${String(ns)}/${String(name)}`;
  const roleOf = new Map<string, string>();
  for (const sa of input.serviceAccounts) {
    const arn = sa.metadata?.annotations?.[`${input.prefix}/role-arn`];
    if (typeof arn === 'string' && arn !== '') roleOf.set(key(sa.metadata?.namespace, sa.metadata?.name), arn);
  }
  const rsByKey = new Map((input.replicaSets ?? []).map((rs) => [key(rs.metadata?.namespace, rs.metadata?.name), rs]));

  const pods: MissedPod[] = [];
  for (const pod of input.pods) {
    const meta = pod.metadata ?? {};
    const namespace = String(meta.namespace ?? 'default');
    const status = isObject(pod.status) ? pod.status : {};
    const phase = String(status.phase ?? '');
    if (phase !== 'Running' && phase !== 'Pending') continue;
    if (meta.deletionTimestamp) continue; // going away anyway
    if (meta.labels && Object.hasOwn(meta.labels, SKIP_POD_LABEL)) continue; // opted out on purpose
    const serviceAccount = podServiceAccountName(pod);
    const roleArn = roleOf.get(key(namespace, serviceAccount));
    if (!roleArn) continue;
    const gaps = injectionGaps(pod, input.prefix);
    // No container lacks anything (every one injected, or left out by skip-containers): nothing to restart.
    if (gaps.containers.length === 0) continue;
    pods.push({
      namespace,
      name: String(meta.name),
      serviceAccount,
      roleArn,
      phase,
      missing: gaps.missing,
      owner: ownerOf(pod, namespace, rsByKey),
    });
  }
  pods.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
  return { pods, groups: groupByOwner(pods) };
}

/** The controller to restart: a ReplicaSet's Deployment (from the ReplicaSet, else its name and pod-template-hash). */
export function ownerOf(pod: KubeObject, namespace: string, replicaSets: Map<string, KubeObject> = new Map()): Owner {
  const refs = arr(pod.metadata?.ownerReferences);
  const ref = refs.find((r) => r.controller === true) ?? refs[0];
  if (!ref) return { kind: 'Pod', name: String(pod.metadata?.name), namespace };
  const kind = String(ref.kind);
  const name = String(ref.name);
  if (kind !== 'ReplicaSet') return { kind, name, namespace };
  const rs = replicaSets.get(`${namespace}/${name}`);
  if (rs) {
    const rsRefs = arr(rs.metadata?.ownerReferences);
    const dep = rsRefs.find((r) => r.controller === true) ?? rsRefs[0];
    if (dep) return { kind: String(dep.kind), name: String(dep.name), namespace };
    return { kind, name, namespace };
  }
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (hash && name.endsWith(`-${hash}`)) {
    return { kind: 'Deployment', name: name.slice(0, -(hash.length + 1)), namespace, guessed: true };
  }
  return { kind, name, namespace };
}

function groupByOwner(pods: MissedPod[]): MissedGroup[] {
  const groups = new Map<string, MissedGroup>();
  for (const p of pods) {
    const k = `${p.owner.namespace}/${p.owner.kind}/${p.owner.name}`;
    let g = groups.get(k);
    if (!g) {
      g = { owner: p.owner, pods: [], command: '' };
      groups.set(k, g);
    }
    g.pods.push(p.name);
  }
  for (const g of groups.values()) {
    const { kind, name, namespace } = g.owner;
    const rollout = ROLLOUT_KINDS[kind];
    if (rollout) {
      g.command = `kubectl rollout restart ${rollout}/${name} -n ${namespace}`;
      if (g.owner.guessed)
        g.note = `Deployment name derived from ReplicaSet name (ReplicaSet not found or not readable)`;
    } else {
      g.command = `kubectl delete pod ${g.pods.join(' ')} -n ${namespace}`;
      if (kind === 'Pod') {
        g.note = 'bare pod: nothing recreates it after the delete; apply its manifest again';
      } else {
        g.note = `${kind} ${name} recreates the deleted pods`;
      }
    }
  }
  return [...groups.values()].sort(
    (a, b) =>
      cmp(a.owner.namespace, b.owner.namespace) || cmp(a.owner.kind, b.owner.kind) || cmp(a.owner.name, b.owner.name),
  );
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
