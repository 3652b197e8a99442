/**
 * What must hold for every patch the webhook answers with, checked by the property test and the fuzzer: the patch
 * applies (RFC 6902, fast-json-patch validating every op), the result is a pod the apiserver accepts (its own
 * rules: unique volume names, unique mount paths and env names per container, mounts of declared volumes, a valid
 * projected token), nothing the pod had is dropped or changed, mutating the result adds nothing, and the warnings
 * are short and safe to print.
 */
import jsonpatch from 'fast-json-patch';
import type { JsonPatchOp, KubeObject } from '../../src/core/webhook/types.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** The patched pod, or the reason the patch does not apply. */
export function applyChecked(pod: KubeObject, patch: JsonPatchOp[]): { pod?: KubeObject; error?: string } {
  try {
    const copy = jsonpatch.deepClone(pod);
    const ops = jsonpatch.deepClone(patch) as jsonpatch.Operation[];
    return { pod: jsonpatch.applyPatch(copy, ops, true, true).newDocument as KubeObject };
  } catch (e) {
    return { error: `patch does not apply: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** The apiserver's validation rules that a mutation could break (empty: the pod is accepted). */
export function podProblems(pod: KubeObject): string[] {
  const spec = isObject(pod.spec) ? pod.spec : {};
  const problems: string[] = [];
  const volumes = list(spec.volumes);
  const volumeNames = volumes.map((v) => v.name);
  if (new Set(volumeNames).size !== volumeNames.length) problems.push(`duplicate volume names: ${volumeNames}`);
  for (const v of volumes) problems.push(...projectedTokenProblems(v));
  for (const c of [...list(spec.initContainers), ...list(spec.containers)]) {
    const mounts = list(c.volumeMounts);
    const paths = mounts.map((m) => m.mountPath);
    if (new Set(paths).size !== paths.length) problems.push(`container ${c.name}: mountPath must be unique: ${paths}`);
    for (const m of mounts) {
      if (!volumeNames.includes(m.name)) problems.push(`container ${c.name}: mount of undeclared volume ${m.name}`);
    }
    const names = list(c.env).map((e) => e.name);
    if (new Set(names).size !== names.length) problems.push(`container ${c.name}: duplicate env names: ${names}`);
  }
  return problems;
}

function projectedTokenProblems(volume: Json): string[] {
  if (!isObject(volume.projected)) return [];
  const problems: string[] = [];
  for (const s of list(volume.projected.sources)) {
    const t = s.serviceAccountToken;
    if (!isObject(t)) continue;
    const seconds = t.expirationSeconds;
    if (
      seconds !== undefined &&
      (!Number.isInteger(seconds) || (seconds as number) < 600 || (seconds as number) >= 2 ** 32)
    ) {
      problems.push(`volume ${volume.name}: expirationSeconds ${seconds} outside [600, 2^32)`);
    }
    if (typeof t.path !== 'string' || t.path === '' || t.path.startsWith('/') || t.path.split('/').includes('..')) {
      problems.push(`volume ${volume.name}: token path ${t.path} is not a relative path`);
    }
    if (t.audience !== undefined && typeof t.audience !== 'string') problems.push(`volume ${volume.name}: audience`);
  }
  return problems;
}

/**
 * Where `after` lost or changed what `before` had. Arrays may only grow at the end; objects may only gain keys.
 * The two values the webhook sets on purpose are allowed: the pod-identity label and a null fsGroup.
 */
export function droppedFields(before: unknown, after: unknown, path = ''): string[] {
  if (
    path === '/metadata/labels/eks.amazonaws.com~1pod-identity' ||
    (path === '/spec/securityContext/fsGroup' && before === null)
  ) {
    return [];
  }
  if (Array.isArray(before)) {
    if (!Array.isArray(after) || after.length < before.length) return [`${path}: array shrank or was replaced`];
    return before.flatMap((v, i) => droppedFields(v, after[i], `${path}/${i}`));
  }
  if (isObject(before)) {
    if (!isObject(after)) return [`${path}: object replaced`];
    return Object.keys(before).flatMap((k) =>
      Object.hasOwn(after, k)
        ? droppedFields(before[k], after[k], `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`)
        : [`${path}/${k}: dropped`],
    );
  }
  return Object.is(before, after) ? [] : [`${path}: ${JSON.stringify(before)} became ${JSON.stringify(after)}`];
}

/** Mounts the patch added at a path that a container already used (also with a trailing slash). */
export function addedMountClashes(before: KubeObject, after: KubeObject): string[] {
  const trim = (p: unknown) => String(p).replace(/(.)\/+$/, '$1');
  const out: string[] = [];
  for (const field of ['initContainers', 'containers']) {
    const b = list((before.spec as Json)[field]);
    const a = list((after.spec as Json)[field]);
    b.forEach((c, i) => {
      const had = list(c.volumeMounts).map((m) => trim(m.mountPath));
      for (const m of list(a[i]?.volumeMounts).slice(had.length)) {
        if (had.includes(trim(m.mountPath))) out.push(`container ${c.name}: added a second mount at ${m.mountPath}`);
      }
    });
  }
  return out;
}

/** Warnings are shown by kubectl: bounded, and never a control or bidi character. */
export function warningProblems(warnings: readonly string[]): string[] {
  return warnings.flatMap((w) =>
    w.length > 2000 || /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(w)
      ? [`unsafe warning (${w.length} characters): ${JSON.stringify(w.slice(0, 120))}`]
      : [],
  );
}

/**
 * Everything that must hold for one answer: `patch` for `pod`, then `again` = the patch for the patched pod
 * (computed by the caller, who knows how to ask: in-process or over HTTPS).
 */
export function answerProblems(
  pod: KubeObject,
  patch: JsonPatchOp[],
  warnings: readonly string[],
  again: (mutated: KubeObject) => JsonPatchOp[],
): string[] {
  const applied = applyChecked(pod, patch);
  if (!applied.pod) return [applied.error as string];
  const out = applied.pod;
  const problems = [
    ...podProblems(out),
    ...droppedFields(pod, out),
    ...addedMountClashes(pod, out),
    ...warningProblems(warnings),
  ];
  const second = again(out);
  if (second.length > 0) problems.push(`not idempotent: a second pass adds ${JSON.stringify(second).slice(0, 300)}`);
  return problems;
}
