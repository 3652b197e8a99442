/**
 * The projected token volume, its mount, and the token path as containers see it, including upstream's Windows
 * conversion.
 */
import { isObject } from '../json/is-object.js';

export interface TokenVolume {
  name: string;
  projected: {
    sources: [{ serviceAccountToken: { audience?: string; expirationSeconds: number; path: string } }];
  };
}

/**
 * `{name, projected: {sources: [{serviceAccountToken: {audience, expirationSeconds, path}}]}}`, one source and no
 * `defaultMode`, exactly as upstream. An empty audience is omitted (Go `omitempty`), which means the apiserver's.
 */
export function tokenVolume(name: string, audience: string, expirationSeconds: number, path: string): TokenVolume {
  const serviceAccountToken = audience === '' ? { expirationSeconds, path } : { audience, expirationSeconds, path };
  return { name, projected: { sources: [{ serviceAccountToken }] } };
}

/** Whether a pod's existing volume of our name is a projected service-account token (else it is kept, warned). */
export function isProjectedToken(volume: unknown): boolean {
  if (!isObject(volume) || !isObject(volume.projected) || !Array.isArray(volume.projected.sources)) return false;
  return volume.projected.sources.some((s) => isObject(s) && isObject(s.serviceAccountToken));
}

export interface VolumeMount {
  name: string;
  readOnly: true;
  mountPath: string;
}

export function volumeMount(name: string, mountPath: string): VolumeMount {
  return { name, readOnly: true, mountPath };
}

/**
 * What to do about the token mount of one container:
 * - `add`: mount the volume;
 * - `present`: it is mounted there already;
 * - `elsewhere`: a mount of that volume name at another path is kept (the token file env then points elsewhere);
 * - `taken`: another volume is mounted at the token path (the user may have put a token there by hand): kept, and
 *   no second mount is added, which the apiserver would refuse ("mountPath must be unique"; the EKS webhook adds it).
 */
export type MountDecision =
  | { kind: 'add' }
  | { kind: 'present' }
  | { kind: 'elsewhere'; path: string }
  | { kind: 'taken'; volume: string };

const ADD: MountDecision = Object.freeze({ kind: 'add' });
const PRESENT: MountDecision = Object.freeze({ kind: 'present' });

export function mountDecision(mounts: unknown, volumeName: string, mountPath: string): MountDecision {
  if (!Array.isArray(mounts)) return ADD;
  let taken: string | undefined;
  for (const m of mounts) {
    if (!isObject(m)) continue;
    if (m.name === volumeName) {
      if (m.mountPath === mountPath) return PRESENT;
      return { kind: 'elsewhere', path: typeof m.mountPath === 'string' ? m.mountPath : '(none)' };
    }
    if (taken === undefined && typeof m.mountPath === 'string' && samePath(m.mountPath, mountPath)) {
      taken = typeof m.name === 'string' ? m.name : '(unnamed)';
    }
  }
  return taken === undefined ? ADD : { kind: 'taken', volume: taken };
}

/**
 * The apiserver compares mount paths as strings ("must be unique"); a trailing slash is also ignored here, since
 * `/a/b/` and `/a/b` are one directory to the container runtime.
 */
function samePath(a: string, b: string): boolean {
  return a === b || trimSlashes(a) === trimSlashes(b);
}

function trimSlashes(path: string): string {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 0x2f) end--;
  return end === path.length ? path : path.slice(0, end);
}

const OS_KEYS = ['kubernetes.io/os', 'beta.kubernetes.io/os'];

/**
 * A pod bound to Windows nodes. Upstream looks only at `nodeSelector` (`kubernetes.io/os` or
 * `beta.kubernetes.io/os` = `windows`); we also honour `spec.os.name: windows` and a required node affinity whose
 * every term pins one of those keys to `In [windows]` (upstream issues #57 and the user request to honour spec.os).
 */
export function isWindowsPod(spec: Record<string, unknown>): boolean {
  const selector = spec.nodeSelector;
  if (isObject(selector) && OS_KEYS.some((k) => selector[k] === 'windows')) return true;
  if (isObject(spec.os) && spec.os.name === 'windows') return true;
  const terms = requiredNodeSelectorTerms(spec);
  return terms.length > 0 && terms.every(termPinsWindows);
}

function requiredNodeSelectorTerms(spec: Record<string, unknown>): unknown[] {
  const affinity = spec.affinity;
  if (!isObject(affinity) || !isObject(affinity.nodeAffinity)) return [];
  const required = affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  if (!isObject(required) || !Array.isArray(required.nodeSelectorTerms)) return [];
  return required.nodeSelectorTerms;
}

function termPinsWindows(term: unknown): boolean {
  if (!isObject(term) || !Array.isArray(term.matchExpressions)) return false;
  return term.matchExpressions.some(
    (e) =>
      isObject(e) &&
      typeof e.key === 'string' &&
      OS_KEYS.includes(e.key) &&
      e.operator === 'In' &&
      Array.isArray(e.values) &&
      e.values.length > 0 &&
      e.values.every((v) => v === 'windows'),
  );
}

/** Go `filepath.Join` on Linux: join with `/`, then Clean (collapse `//`, `.`, `..`, drop a trailing `/`). */
export function joinPath(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '').join('/');
  if (joined === '') return '';
  const rooted = joined.startsWith('/');
  const out: string[] = [];
  for (const seg of joined.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const body = out.join('/');
  return rooted ? `/${body}` : body || '.';
}

/**
 * The token file path put in the env. On Windows pods it becomes `C:` + the path with `\` separators, e.g.
 * `C:\var\run\secrets\eks.amazonaws.com\serviceaccount\token`; the volumeMount keeps the Unix form (as upstream).
 */
export function tokenFilePath(mountPath: string, tokenPath: string, windows: boolean): string {
  const path = joinPath(mountPath, tokenPath);
  return windows ? `C:${path.replaceAll('/', '\\')}` : path;
}
