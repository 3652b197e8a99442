/**
 * JSON text of the frozen values that patches share (the env entries, mount and token volume the mutation core
 * derives once per ServiceAccount): written once, then looked up by identity. Frozen values cannot change, so a
 * text can never go stale; entries go with their value (WeakMap). Anything not frozen is stringified every time.
 *
 * Worth its weight: JSON.stringify of the benchmark pod's 1.4 kB patch costs more than the rest of the mutation
 * (bench/README.md, "Webhook", the mutation core figures).
 */
export function frozenJsonMemo(): (value: unknown) => string {
  const texts = new WeakMap<object, string>();
  return (value) => {
    if (typeof value !== 'object' || value === null || !Object.isFrozen(value)) return JSON.stringify(value);
    let text = texts.get(value);
    if (text === undefined) {
      text = JSON.stringify(value);
      texts.set(value, text);
    }
    return text;
  };
}
