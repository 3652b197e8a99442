/**
 * Member names that occur twice in one JSON object, as `path.name` (`sub`, `kubernetes.io.namespace`). JSON.parse
 * keeps the last of them silently, other parsers the first or refuse, so a document with duplicates reads
 * differently to different readers (RFC 7515 §5.2, RFC 7519 §4). Only for text JSON.parse has already accepted: the
 * scan then needs no grammar of its own, just strings, nesting and which string is a member name.
 *
 * On the STS hot path for every token header and payload, so it allocates little: one pass, the open objects' names
 * in one flat list (no recursion however deep the nesting), strings found natively, a name decoded only when it holds
 * an escape, a Set only for an object with many members (so a huge object stays linear).
 */
export function duplicateMembers(json: string): readonly string[] {
  let found: string[] | undefined;
  const names: string[] = [];
  /** Per open container, where its names start in `names`; -1 for an array. */
  const starts: number[] = [];
  /** Sets for the open objects that grew past SMALL members, by their start. */
  let big: Map<number, Set<string>> | undefined;
  let expectName = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(json, i);
      if (expectName) {
        const name = hasEscape(json, i, end) ? (JSON.parse(json.slice(i, end + 1)) as string) : json.slice(i + 1, end);
        const start = starts[starts.length - 1];
        let seen: boolean;
        if (names.length - start < SMALL) {
          seen = names.indexOf(name, start) !== -1;
        } else {
          big ??= new Map();
          const set = big.get(start) ?? new Set(names.slice(start));
          big.set(start, set);
          seen = set.has(name);
          set.add(name);
        }
        if (seen) {
          found ??= [];
          found.push(pathOf(names, starts, name));
        }
        names.push(name);
        expectName = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT) {
      starts.push(names.length);
      expectName = true;
    } else if (c === OPEN_ARRAY) {
      starts.push(-1);
      expectName = false;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      const start = starts.pop() as number;
      if (start >= 0) {
        names.length = start;
        big?.delete(start);
      }
    } else if (c === COMMA) {
      expectName = starts[starts.length - 1] >= 0;
    }
  }
  return found ?? NONE;
}

const NONE: readonly string[] = Object.freeze([]);
/** Members an object may have before its names are looked up in a Set rather than the list. */
const SMALL = 16;

/** `outer.inner.name`: each enclosing object's member name is the last name before the next object's start. */
function pathOf(names: string[], starts: number[], name: string): string {
  const parts: string[] = [];
  const objects = starts.filter((s) => s >= 0);
  for (let k = 1; k < objects.length; k++) parts.push(names[objects[k] - 1]);
  parts.push(name);
  return parts.join('.');
}

/** Index of the quote closing the string that opens at `start` (found natively, escaped quotes skipped). */
function stringEnd(json: string, start: number): number {
  let end = json.indexOf('"', start + 1);
  while (end !== -1 && escaped(json, end)) end = json.indexOf('"', end + 1);
  return end === -1 ? json.length : end;
}

function hasEscape(json: string, from: number, to: number): boolean {
  for (let k = from + 1; k < to; k++) if (json.charCodeAt(k) === BACKSLASH) return true;
  return false;
}

/** Whether the character at `at` follows an odd number of backslashes. */
function escaped(json: string, at: number): boolean {
  let n = 0;
  while (json.charCodeAt(at - 1 - n) === BACKSLASH) n++;
  return n % 2 === 1;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
