/**
 * A YAML document read with its line numbers kept, so that a problem found later — by the schema, by a semantic
 * check — can be told at the line of the field it concerns: `irsa.yaml:12: "clusters[0].issuer" …`.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { E, IrsaError } from '../errors.js';

export type FieldPath = readonly PropertyKey[];

export interface YamlSource {
  /** The document as plain data (null when empty). */
  value: unknown;
  /** The line (1-based) of the field at `path`, or of the closest enclosing field that exists. */
  lineOf(path: FieldPath): number;
}

/** Aliases are expanded when the document is turned into data: bounded, so a small file cannot grow huge. */
const MAX_ALIAS_COUNT = 100;

export function readYaml(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number) => lines.linePos(offset).line;
  const error = doc.errors[0];
  if (error) {
    throw new IrsaError(E.ERR_CONFIG_INVALID, `${file}:${lineAt(error.pos[0])}: not valid YAML: ${error.message}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // The yaml package's own words (an unresolved or excessive alias); one line, no stack.
    const why = e instanceof Error ? e.message.split('\n')[0] : 'cannot be read';
    throw new IrsaError(E.ERR_CONFIG_INVALID, `${file}: not valid YAML: ${why}`);
  }
  return { value: value ?? null, lineOf: (path) => lineAt(offsetOf(doc.contents, path)) };
}

/**
 * Walks `path` through maps and sequences and answers where the last field found starts: a map entry at its key
 * (where an editor would look), a list item at the item.
 */
function offsetOf(root: unknown, path: FieldPath): number {
  let node: unknown = root;
  let offset = rangeStart(root);
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      node = node.items[segment];
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  return offset ?? 0;
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}
