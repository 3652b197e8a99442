/**
 * Minimal RFC 6902 operations: only `add`, only at the leaves we change (one env entry, one mount, one volume).
 * Containers and the containers array are never replaced, so every field we do not know (gRPC probes, sidecar
 * `restartPolicy`, fields newer than this code) survives untouched (upstream issues #84, #114, #165, #208).
 * Ops are data; encodePatch writes them as JSON.
 */
import type { JsonPatchOp } from './types.js';

/** RFC 6901 reference token: `~` → `~0`, `/` → `~1`. */
export function escapePointer(token: string): string {
  // Fast path: almost every token (spec, containers, 0, env) needs no escaping; `/mutate` is on the hot path.
  if (!token.includes('~') && !token.includes('/')) return token;
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The JSON pointer of `tokens`, each escaped: `pointer('spec', 'containers', 0)` is `/spec/containers/0`. */
export function pointer(...tokens: Array<string | number>): string {
  let out = '';
  for (const t of tokens) out += `/${typeof t === 'number' ? t : escapePointer(t)}`;
  return out;
}

/**
 * Ops appending `items` to the array at `path` whose current value is `current`: one `add …/-` per item when the
 * array exists, else a single `add` creating it (JSON Patch cannot append to a missing array). Pushed onto `ops`
 * (a new list by default), which is returned.
 */
export function appendOps(
  path: string,
  current: unknown,
  items: readonly unknown[],
  ops: JsonPatchOp[] = [],
  appendPath = `${path}/-`,
): JsonPatchOp[] {
  if (items.length === 0) return ops;
  if (!Array.isArray(current)) {
    // A copy (the patch's list is the caller's); spread, since slice() of a frozen list is slow in V8 (~350 ns).
    ops.push({ op: 'add', path, value: [...items] });
    return ops;
  }
  // Indexed: `items` is often a frozen list, which for-of walks through V8's generic iterator (~70 ns, not ~45, for 4).
  for (let i = 0; i < items.length; i++) ops.push({ op: 'add', path: appendPath, value: items[i] });
  return ops;
}

/** Op setting `key` in the object at `path` (creating the object when absent). */
export function setKeyOp(path: string, current: unknown, key: string, value: unknown): JsonPatchOp {
  if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
    return { op: 'add', path: `${path}/${escapePointer(key)}`, value };
  }
  return { op: 'add', path, value: { [key]: value } };
}

/**
 * Step 3: the patch as JSON text, exactly `JSON.stringify(ops)` (for ops whose keys are in RFC order: op, path,
 * from, value). Each value (each element, for an array value) is written by `json`, so the server can hand in a
 * memo of the texts of the frozen values that patches share (src/webhook/json-memo.ts).
 */
export function encodePatch(ops: readonly JsonPatchOp[], json: (value: unknown) => string = JSON.stringify): string {
  let out = '[';
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    out += `${i === 0 ? '' : ','}{"op":"${op.op}","path":${jsonString(op.path)}`;
    if (op.from !== undefined) out += `,"from":${jsonString(op.from)}`;
    if (op.value !== undefined) out += `,"value":${valueJson(op.value, json)}`;
    out += '}';
  }
  return `${out}]`;
}

/** Characters JSON.stringify writes as they are (it escapes `"`, `\`, controls and lone surrogates). */
const JSON_PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** JSON.stringify of a string; the pointers the core builds need no escaping, so they are only checked. */
function jsonString(s: string): string {
  return JSON_PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

function valueJson(value: unknown, json: (value: unknown) => string): string {
  if (!Array.isArray(value)) return json(value);
  let out = '[';
  for (let i = 0; i < value.length; i++) out += `${i === 0 ? '' : ','}${json(value[i])}`;
  return `${out}]`;
}
