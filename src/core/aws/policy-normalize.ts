/**
 * Policy documents compared by meaning, as IAM and S3 read them: key order and white space do not count, a
 * one-element list is its single value (`["x"]` is `"x"`; `Statement` is always a list, as people read it), lists
 * of values are sets (order and repeats do not count), condition keys ignore case. What the planner compares so that a second plan on the state an apply
 * produced is empty, and the one stable pretty-printed form that plan diffs line by line.
 */

/** Keys in the order people write policies; any other key after them, alphabetically. */
const KEY_ORDER: readonly string[] = [
  'Version',
  'Id',
  'Statement',
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
];

function compareKeys(a: string, b: string): number {
  const ra = KEY_ORDER.indexOf(a);
  const rb = KEY_ORDER.indexOf(b);
  if (ra !== rb) return ra === -1 ? 1 : rb === -1 ? -1 : ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The document's normal form (a new value; the input is not changed). Not JSON-like values pass through. */
export function normalizePolicy(doc: unknown): unknown {
  return normalize(doc, 'any');
}

/** Where a value sits: anywhere, the value of `Condition` (operators), or an operator's block (condition keys). */
type Level = 'any' | 'condition' | 'operator';

function normalize(value: unknown, level: Level): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => normalize(v, 'any'));
    const scalars = items.every((v) => v === null || typeof v !== 'object');
    const list = scalars ? uniqueSorted(items) : items;
    return list.length === 1 ? list[0] : list;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]): [string, unknown] => {
      const normal = normalize(v, childLevel(k, level));
      const statements = level === 'any' && k === 'Statement' && !Array.isArray(normal) ? [normal] : normal;
      return [level === 'operator' ? k.toLowerCase() : k, statements];
    });
    entries.sort(([a], [b]) => compareKeys(a, b));
    return Object.fromEntries(entries);
  }
  return value;
}

function childLevel(key: string, level: Level): Level {
  if (level === 'condition') return 'operator';
  return level === 'any' && key === 'Condition' ? 'condition' : 'any';
}

function uniqueSorted(items: unknown[]): unknown[] {
  const byText = new Map<string, unknown>();
  for (const item of items) byText.set(JSON.stringify(item), item);
  return [...byText.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/** JSON with object keys in a fixed order: two values with the same data give the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'undefined';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => compareKeys(a, b))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

/** Whether two documents (parsed, or JSON text) mean the same; text that is not JSON equals nothing. */
export function samePolicyDocument(a: unknown, b: unknown): boolean {
  const pa = typeof a === 'string' ? parse(a) : a;
  const pb = typeof b === 'string' ? parse(b) : b;
  if (pa === undefined || pb === undefined) return false;
  return canonicalJson(normalizePolicy(pa)) === canonicalJson(normalizePolicy(pb));
}

/** The stable pretty-printed form plan diffs: normalized, two-space indented. */
export function prettyPolicy(doc: unknown): string {
  return JSON.stringify(normalizePolicy(doc), null, 2) ?? String(doc);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
