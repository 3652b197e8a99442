/**
 * Step 2 of the mutation: the JSON Patch (ops as data) that gives one pod its plan (resolve.ts), and the warnings
 * about what it left alone. Only `add` ops at the leaves that change, in a fixed order: the pod-identity label, the
 * token volume, then per container (init containers first, in spec order) its env entries and its mount, then
 * fsGroup. Pure: the pod is read, never changed. Values are the plan's frozen objects where they can be (shared
 * between the patches of one ServiceAccount's pods), else fresh ones.
 */
import { isObject } from '../json/is-object.js';
import { clip, clipList } from './clip.js';
import { missingEnv, usesEnvFrom } from './env.js';
import { appendOps, pointer, setKeyOp } from './patch.js';
import type { PodPlan } from './resolve.js';
import type { JsonPatchOp, KubeObject } from './types.js';
import { isProjectedToken, mountDecision } from './volume.js';

/** Written in container-credentials mode; not under `<prefix>` upstream either. */
export const POD_IDENTITY_LABEL = 'eks.amazonaws.com/pod-identity';

type ContainerField = 'initContainers' | 'containers';

/** The JSON pointers of one container's env and mounts, and of appending to them. */
interface ContainerPaths {
  env: string;
  envAppend: string;
  mounts: string;
  mountsAppend: string;
}

function containerPaths(field: ContainerField, index: number): ContainerPaths {
  const base = pointer('spec', field, index);
  return {
    env: `${base}/env`,
    envAppend: `${base}/env/-`,
    mounts: `${base}/volumeMounts`,
    mountsAppend: `${base}/volumeMounts/-`,
  };
}

/**
 * The pointers of the first containers, written once (a constant table): pods have a handful of containers, and
 * the same strings in every patch of a workload make the server's comparison with the last patch cheap.
 */
const PATHS: Readonly<Record<ContainerField, readonly ContainerPaths[]>> = Object.freeze({
  initContainers: Object.freeze(
    Array.from({ length: 16 }, (_, i) => Object.freeze(containerPaths('initContainers', i))),
  ),
  containers: Object.freeze(Array.from({ length: 16 }, (_, i) => Object.freeze(containerPaths('containers', i)))),
});

/** What the container pass noticed, for the warnings (each kind becomes one warning naming the containers). */
interface ContainerNotes {
  /** Containers that got env and have envFrom (the injected names shadow envFrom's). */
  envFrom?: string[];
  /** Containers mounting our volume at another path. */
  elsewhere?: Array<{ name: string; path: string }>;
  /** Containers with another volume at the token path. */
  taken?: Array<{ name: string; volume: string }>;
}

export function buildPatch(pod: KubeObject, plan: PodPlan): { ops: JsonPatchOp[]; warnings: string[] } {
  const spec = pod.spec as Record<string, unknown>;
  const warnings = plan.warnings.slice();
  const ops: JsonPatchOp[] = [];
  if (plan.label) labelOps(pod, ops);
  volumeOps(spec, plan, ops, warnings);
  const notes: ContainerNotes = {};
  // Init containers first, in spec order (each field read by name: cheaper than a keyed read per field).
  containerListOps(ops, notes, 'initContainers', spec.initContainers, plan);
  containerListOps(ops, notes, 'containers', spec.containers, plan);
  containerWarnings(notes, plan, warnings);
  if (ops.length > 0 && plan.fsGroup !== undefined) fsGroupOps(spec, plan.fsGroup, ops);
  return { ops, warnings };
}

/** `eks.amazonaws.com/pod-identity: enabled`, unless the pod has it. */
function labelOps(pod: KubeObject, ops: JsonPatchOp[]): void {
  const metadata = pod.metadata;
  if (!isObject(metadata)) {
    ops.push({ op: 'add', path: '/metadata', value: { labels: { [POD_IDENTITY_LABEL]: 'enabled' } } });
  } else if (!isObject(metadata.labels) || metadata.labels[POD_IDENTITY_LABEL] !== 'enabled') {
    ops.push(setKeyOp('/metadata/labels', metadata.labels, POD_IDENTITY_LABEL, 'enabled'));
  }
}

/** The token volume, unless the pod has a volume of that name (kept; warned about unless it is a token). */
function volumeOps(spec: Record<string, unknown>, plan: PodPlan, ops: JsonPatchOp[], warnings: string[]): void {
  const name = plan.volume.name;
  const existing = findNamed(spec.volumes, name);
  if (existing === undefined) appendOps('/spec/volumes', spec.volumes, [plan.volume], ops, '/spec/volumes/-');
  else if (!isProjectedToken(existing)) {
    warnings.push(`volume ${name} already exists and is not a projected token; kept as is`);
  }
}

function findNamed(list: unknown, name: string): unknown {
  if (!Array.isArray(list)) return undefined;
  for (const v of list) if (isObject(v) && v.name === name) return v;
  return undefined;
}

function containerListOps(
  ops: JsonPatchOp[],
  notes: ContainerNotes,
  field: ContainerField,
  list: unknown,
  plan: PodPlan,
): void {
  if (!Array.isArray(list)) return;
  const skip = plan.skipContainers;
  for (let i = 0; i < list.length; i++) {
    const container = list[i];
    if (!isObject(container)) continue;
    const name = typeof container.name === 'string' ? container.name : '';
    // Most pods skip none: no hashing of the name then.
    if (skip.size > 0 && skip.has(name)) continue;
    containerOps(ops, notes, field, i, container, name, plan);
  }
}

/** One container's env entries and mount; what it leaves alone is noted for the warnings. */
function containerOps(
  ops: JsonPatchOp[],
  notes: ContainerNotes,
  field: ContainerField,
  index: number,
  container: Record<string, unknown>,
  name: string,
  plan: PodPlan,
): void {
  const mount = mountDecision(container.volumeMounts, plan.mount.name, plan.mount.mountPath);
  if (mount.kind === 'elsewhere') notes.elsewhere = added(notes.elsewhere, { name, path: mount.path });
  const env = missingEnv(container, plan.env);
  if (env === undefined) return;
  if (mount.kind === 'taken') notes.taken = added(notes.taken, { name, volume: mount.volume });
  if (env.length === 0 && mount.kind !== 'add') return;
  const paths = PATHS[field][index] ?? containerPaths(field, index);
  appendOps(paths.env, container.env, env, ops, paths.envAppend);
  if (mount.kind === 'add') appendOps(paths.mounts, container.volumeMounts, [plan.mount], ops, paths.mountsAppend);
  if (env.length > 0 && usesEnvFrom(container)) notes.envFrom = added(notes.envFrom, name);
}

/** `list` with `item` appended (a list is only made once there is something to note). */
function added<T>(list: T[] | undefined, item: T): T[] {
  if (list === undefined) return [item];
  list.push(item);
  return list;
}

function containerWarnings(notes: ContainerNotes, plan: PodPlan, warnings: string[]): void {
  const { name, mountPath } = plan.mount;
  if (notes.elsewhere) {
    warnings.push(
      `container(s) ${clipList(notes.elsewhere, (e) => `${clip(e.name)} (at ${clip(e.path)})`)} mount ${name} ` +
        `elsewhere than ${mountPath}, where the token file env points; kept as is`,
    );
  }
  if (notes.taken) {
    warnings.push(
      `container(s) ${clipList(notes.taken, (e) => `${clip(e.name)} (volume ${clip(e.volume)})`)} already mount ` +
        `another volume at ${mountPath}; that mount is kept and ${name} is not mounted there, so the token file env ` +
        'points into that volume',
    );
  }
  if (notes.envFrom) {
    warnings.push(
      `envFrom in container(s) ${clipList(notes.envFrom)}: the injected AWS_* env overrides the same names ` +
        'from envFrom; set them under env to keep yours',
    );
  }
}

/** `settings.tokenFsGroup` for pods that set none. */
function fsGroupOps(spec: Record<string, unknown>, fsGroup: number, ops: JsonPatchOp[]): void {
  const sc = spec.securityContext;
  if (!isObject(sc) || sc.fsGroup === undefined || sc.fsGroup === null) {
    ops.push(setKeyOp('/spec/securityContext', sc, 'fsGroup', fsGroup));
  }
}
