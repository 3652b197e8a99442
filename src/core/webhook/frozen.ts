/**
 * Deep-frozen plain JSON data. What the mutation core derives from a ServiceAccount (env entries, the mount, the
 * token volume) is frozen: the webhook shares it between the patches of many pods and remembers its JSON text by
 * identity (src/webhook/json-memo.ts), which is only right if nobody can change it. A patch consumer that wants to
 * change a patched document clones it first (as RFC 6902 appliers document: values are inserted by reference).
 */
export function frozen<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) frozen(v);
  return Object.freeze(value);
}
