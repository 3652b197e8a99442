/**
 * Minimal RFC 6902 operations: only `add`, only at the leaves we change (one env entry, one mount, one volume).
 * Containers and the containers array are never replaced, so every field we do not know (gRPC probes, sidecar
 * `restartPolicy`, fields newer than this code) survives untouched (upstream issues #84, #114, #165, #208).
 */
import type { JsonPatchOp } from './types.js';

/** RFC 6901 reference token: `~` → `~0`, `/` → `~1`. */
export function escapePointer(token: string): string {
  // Fast path: almost every token (spec, containers, 0, env) needs no escaping; `/mutate` is on the hot path.
  if (!token.includes('~') && !token.includes('/')) return token;
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointer(...tokens: Array<string | number>): string {
  return tokens.map((t) => `/${escapePointer(String(t))}`).join('');
}

/**
 * Ops appending `items` to the array at `path` whose current value is `current`: one `add …/-` per item when the
 * array exists, else a single `add` creating it (JSON Patch cannot append to a missing array).
 */
export function appendOps(path: string, current: unknown, items: unknown[]): JsonPatchOp[] {
  if (items.length === 0) return [];
  if (Array.isArray(current)) return items.map((value) => ({ op: 'add', path: `${path}/-`, value }));
  return [{ op: 'add', path, value: items }];
}

/** Op setting `key` in the object at `path` (creating the object when absent). */
export function setKeyOp(path: string, current: unknown, key: string, value: unknown): JsonPatchOp {
  if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
    return { op: 'add', path: `${path}/${escapePointer(key)}`, value };
  }
  return { op: 'add', path, value: { [key]: value } };
}
