/** A JSON object (not null, not an array): the one test every reader of untrusted JSON uses. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
