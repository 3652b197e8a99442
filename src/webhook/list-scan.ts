/**
 * Reads a Kubernetes list response (`{"kind":"…List","metadata":{…},"items":[…]}`) one item at a time: the bytes
 * are scanned for the boundaries of each element of `items`, and only that element is parsed. A 10,000-item list
 * then never exists as 10,000 parsed objects at once (the typed client would hold two copies), which keeps the
 * webhook's peak memory, and so its resident size, low. Everything but `items` is returned parsed.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

export function scanKubeList(buf: Buffer, onItem: (item: unknown) => void): Record<string, unknown> {
  return scanKubeListSpans(buf, (start, end) => onItem(JSON.parse(buf.toString('utf8', start, end))));
}

/** The same, handing over each item's byte span unparsed (for readers that take only a few fields). */
export function scanKubeListSpans(buf: Buffer, onItem: (start: number, end: number) => void): Record<string, unknown> {
  let i = ws(buf, 0);
  expect(buf, i, OPEN_OBJ);
  i = ws(buf, i + 1);
  const out: Record<string, unknown> = {};
  if (buf[i] === CLOSE_OBJ) return out;
  for (;;) {
    expect(buf, i, QUOTE);
    const keyEnd = skipString(buf, i);
    const key = JSON.parse(buf.toString('utf8', i, keyEnd)) as string;
    i = ws(buf, keyEnd);
    expect(buf, i, COLON);
    i = ws(buf, i + 1);
    if (key === 'items' && buf[i] === OPEN_ARR) {
      i = ws(buf, i + 1);
      if (buf[i] === CLOSE_ARR) i++;
      else {
        for (;;) {
          const end = skipValue(buf, i);
          onItem(i, end);
          i = ws(buf, end);
          if (buf[i] === COMMA) {
            i = ws(buf, i + 1);
            continue;
          }
          expect(buf, i, CLOSE_ARR);
          i++;
          break;
        }
      }
    } else {
      const end = skipValue(buf, i);
      out[key] = JSON.parse(buf.toString('utf8', i, end));
      i = end;
    }
    i = ws(buf, i);
    if (buf[i] === COMMA) {
      i = ws(buf, i + 1);
      continue;
    }
    expect(buf, i, CLOSE_OBJ);
    return out;
  }
}

/** Calls `fn` for each key of the JSON object starting at `start`, with its value's span; values are not parsed. */
export function forEachKey(
  buf: Buffer,
  start: number,
  fn: (key: string, valueStart: number, valueEnd: number) => void,
): void {
  expect(buf, start, OPEN_OBJ);
  let i = ws(buf, start + 1);
  if (buf[i] === CLOSE_OBJ) return;
  for (;;) {
    expect(buf, i, QUOTE);
    const keyEnd = skipString(buf, i);
    let escaped = false;
    for (let j = i + 1; j < keyEnd - 1; j++) {
      if (buf[j] === BACKSLASH) {
        escaped = true;
        break;
      }
    }
    const key = escaped
      ? (JSON.parse(buf.toString('utf8', i, keyEnd)) as string)
      : buf.toString('utf8', i + 1, keyEnd - 1);
    i = ws(buf, keyEnd);
    expect(buf, i, COLON);
    i = ws(buf, i + 1);
    const end = skipValue(buf, i);
    fn(key, i, end);
    i = ws(buf, end);
    if (buf[i] === COMMA) {
      i = ws(buf, i + 1);
      continue;
    }
    expect(buf, i, CLOSE_OBJ);
    return;
  }
}

export function parseSpan(buf: Buffer, start: number, end: number): unknown {
  return JSON.parse(buf.toString('utf8', start, end));
}

function ws(buf: Buffer, i: number): number {
  while (i < buf.length) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

function expect(buf: Buffer, i: number, c: number): void {
  if (buf[i] !== c) {
    const got = i < buf.length ? `'${String.fromCharCode(buf[i])}'` : 'end of input';
    throw new SyntaxError(`list response: expected '${String.fromCharCode(c)}' at byte ${i}, got ${got}`);
  }
}

/** Index just past the string starting at `i` (a quote). */
function skipString(buf: Buffer, i: number): number {
  for (let j = i + 1; j < buf.length; j++) {
    const c = buf[j];
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  throw new SyntaxError('list response: unterminated string');
}

/** Index just past the JSON value starting at `i`. */
function skipValue(buf: Buffer, i: number): number {
  const c = buf[i];
  if (c === QUOTE) return skipString(buf, i);
  if (c === OPEN_OBJ || c === OPEN_ARR) {
    let depth = 0;
    for (let j = i; j < buf.length; j++) {
      const d = buf[j];
      if (d === QUOTE) j = skipString(buf, j) - 1;
      else if (d === OPEN_OBJ || d === OPEN_ARR) depth++;
      else if (d === CLOSE_OBJ || d === CLOSE_ARR) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw new SyntaxError('list response: unterminated object or array');
  }
  let j = i;
  while (j < buf.length) {
    const d = buf[j];
    if (d === COMMA || d === CLOSE_OBJ || d === CLOSE_ARR || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09)
      break;
    j++;
  }
  if (j === i) throw new SyntaxError(`list response: expected a value at byte ${i}`);
  return j;
}
