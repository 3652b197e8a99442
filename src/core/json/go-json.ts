/**
 * JSON text exactly as Go's encoding/json writes it for the values we emit (strings, numbers, arrays, objects in
 * insertion order): like JSON.stringify, except that Go escapes <, >, & and U+2028/U+2029 inside strings.
 * kube-apiserver's discovery and JWKS bytes come from encoding/json, so ours must too.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
