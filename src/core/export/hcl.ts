/**
 * The few pieces of HCL the Terraform export writes: quoted strings that hold exactly the given bytes (with chosen
 * substrings turned into `${…}` references), labels Terraform accepts, and blocks laid out as `terraform fmt` lays
 * them out (the `=` of neighbouring one-line attributes aligned), so a team's `terraform fmt -check` passes on them.
 */

/**
 * Substrings of a string to write as template text instead: each key (a literal) → the HCL template text that
 * stands for it (`arn:aws:iam::123456789012:` → `arn:${data.aws_partition.current.partition}:iam::${…}:`).
 */
export type References = ReadonlyMap<string, string>;

const NO_REFERENCES: ReadonlyMap<string, string> = new Map();

/**
 * `text` as one HCL quoted string whose value is exactly `text`, except that every occurrence of a key of `refs`
 * becomes that key's template text. HCL reads `${` and `%{` as template syntax, so literal ones are doubled (`$${`).
 */
export function hclString(text: string, refs: References = NO_REFERENCES): string {
  let out = '';
  for (const part of splitReferences(text, refs)) {
    if (typeof part === 'string') out += escapeLiteral(part);
    else {
      // A literal `$` or `%` right before a `${` would make the escape `$${`: write it as a template of its own.
      const last = out.at(-1);
      if (/^[$%]\{/.test(part.template) && (last === '$' || last === '%')) {
        out = `${out.slice(0, -1)}\${"${last}"}`;
      }
      out += part.template;
    }
  }
  return `"${out}"`;
}

function splitReferences(text: string, refs: References): (string | { template: string })[] {
  // Longest first: a provider ARN starts with the account's ARN prefix, and must be matched whole.
  const keys = [...refs.keys()].filter((k) => k.length > 0).sort((a, b) => b.length - a.length);
  const parts: (string | { template: string })[] = [];
  let rest = text;
  while (rest.length > 0) {
    let at = -1;
    let key = '';
    for (const k of keys) {
      const i = rest.indexOf(k);
      if (i !== -1 && (at === -1 || i < at)) [at, key] = [i, k];
    }
    if (at === -1) {
      parts.push(rest);
      break;
    }
    if (at > 0) parts.push(rest.slice(0, at));
    parts.push({ template: refs.get(key) as string });
    rest = rest.slice(at + key.length);
  }
  return parts;
}

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Template text whose value is exactly `text`. */
export function escapeLiteral(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (Object.hasOwn(ESCAPES, ch)) out += ESCAPES[ch];
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  // Functions, not strings: in a replacement string `$$` means one `$`.
  return out.replaceAll('${', () => '$${').replaceAll('%{', () => '%%{');
}

/** A block label or resource name: letters, digits, `_` and `-`, not starting with a digit or `-`. */
export function hclLabel(name: string): string {
  const label = name.replace(/[^A-Za-z0-9_-]/g, '_');
  return /^[A-Za-z_]/.test(label) ? label : `_${label}`;
}

/** Labels unique per resource type: a second `app_default` becomes `app_default_2`. */
export class LabelSet {
  private readonly taken = new Set<string>();

  claim(name: string): string {
    const base = hclLabel(name);
    let label = base;
    for (let n = 2; this.taken.has(label.toLowerCase()); n++) label = `${base}_${n}`;
    this.taken.add(label.toLowerCase());
    return label;
  }
}

/** One attribute of a block: a one-line expression, or a nested map/list (already rendered lines). */
export type Attribute = [name: string, value: string | string[]];

/** A map of strings (tags) as the lines of an HCL object, keys quoted, `=` aligned. */
export function hclStringMap(map: Readonly<Record<string, string>>, refs: References = NO_REFERENCES): string[] {
  const keys = Object.keys(map).sort();
  if (keys.length === 0) return ['{}'];
  return ['{', ...aligned(keys.map((k) => [hclString(k, refs), hclString(map[k], refs)])).map((l) => `  ${l}`), '}'];
}

/** A list of strings on one line. */
export function hclStringList(items: readonly string[], refs: References = NO_REFERENCES): string {
  return `[${items.map((i) => hclString(i, refs)).join(', ')}]`;
}

/**
 * `<header> { … }` with its attributes in order: runs of one-line attributes get their `=` aligned; a multi-line
 * attribute stands on its own, unaligned (as terraform fmt formats it); `blank` entries separate groups.
 */
export function hclBlock(header: string, attributes: readonly (Attribute | 'blank')[]): string {
  const lines: string[] = [];
  let run: [string, string][] = [];
  const flush = () => {
    lines.push(...aligned(run).map((l) => `  ${l}`));
    run = [];
  };
  for (const a of attributes) {
    if (a === 'blank') {
      flush();
      lines.push('');
    } else if (typeof a[1] === 'string') run.push([a[0], a[1]]);
    else {
      flush();
      lines.push(`  ${a[0]} = ${a[1][0]}`, ...a[1].slice(1).map((l) => `  ${l}`));
    }
  }
  flush();
  return lines.length === 0 ? `${header} {}` : `${header} {\n${lines.join('\n')}\n}`;
}

function aligned(pairs: readonly [string, string][]): string[] {
  const width = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)} = ${v}`);
}
