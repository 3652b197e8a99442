/**
 * Member names that occur twice in one JSON object, as `path.name` (`sub`, `kubernetes.io.namespace`). JSON.parse
 * keeps the last of them silently, other parsers the first or refuse, so a document with duplicates reads
 * differently to different readers (RFC 7515 §5.2, RFC 7519 §4). Only for text JSON.parse has already accepted: the
 * scan then needs no grammar of its own, just strings, nesting and which string is a member name. One pass, an
 * explicit stack (no recursion however deep the nesting); a name is decoded only when it holds an escape.
 */
export function duplicateMembers(json: string): string[] {
  const found: string[] = [];
  const stack: Frame[] = [];
  let expectName = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(json, i);
      const top = stack[stack.length - 1];
      if (expectName && top?.names) {
        const raw = json.slice(i, end + 1);
        const name = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.names.has(name)) found.push(top.path + name);
        top.names.add(name);
        top.last = name;
        expectName = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const parent = stack[stack.length - 1];
      const path = parent?.names ? `${parent.path}${parent.last}.` : (parent?.path ?? '');
      stack.push({ names: c === OPEN_OBJECT ? new Set() : undefined, path, last: '' });
      expectName = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
    } else if (c === COMMA) {
      expectName = stack[stack.length - 1]?.names !== undefined;
    }
  }
  return found;
}

interface Frame {
  /** Names seen so far; undefined for an array. */
  names: Set<string> | undefined;
  /** Where this container sits, ending with a dot when not at the top. */
  path: string;
  /** The last member name read (names a nested container). */
  last: string;
}

/** Index of the quote closing the string that opens at `start`. */
function stringEnd(json: string, start: number): number {
  let i = start + 1;
  while (i < json.length) {
    const c = json.charCodeAt(i);
    if (c === BACKSLASH) i += 2;
    else if (c === QUOTE) return i;
    else i++;
  }
  return json.length;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
