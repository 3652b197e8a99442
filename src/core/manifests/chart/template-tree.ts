/**
 * A Kubernetes object with Helm template holes, and its text. The chart's templates are the renderer's objects
 * (../webhook.ts) with some values replaced by directives; emitTemplate() writes the YAML by hand (block style,
 * two-space indent, scalars quoted by the `yaml` package) so a directive can become template text at the right
 * indent: `{{ expr }}` for a scalar, `{{- if … }}` around a key or a list item, `toYaml … | nindent N` for a
 * value passed through from values.yaml.
 */
import { stringify } from 'yaml';

/** A template hole. `cases` of a switch are tried in order; a case without `cond` is the else; no `value`: absent. */
export type Directive =
  | { $: 'expr'; text: string }
  | { $: 'switch'; cases: Array<{ cond?: string; value?: Node }> }
  | { $: 'toYaml'; expr: string }
  | { $: 'spread'; expr: string }
  | { $: 'include'; name: string }
  | { $: 'raw'; lines: (indent: number) => string[] };
export type Node = string | number | boolean | null | Node[] | { [key: string]: Node } | Directive;

export const expr = (text: string): Directive => ({ $: 'expr', text });
export const toYaml = (path: string): Directive => ({ $: 'toYaml', expr: path });
export const spread = (path: string): Directive => ({ $: 'spread', expr: path });
export const include = (name: string): Directive => ({ $: 'include', name });
export const when = (cond: string, value: Node): Directive => ({ $: 'switch', cases: [{ cond, value }] });

export function isDirective(n: unknown): n is Directive {
  return typeof n === 'object' && n !== null && !Array.isArray(n) && typeof (n as { $?: unknown }).$ === 'string';
}

const pad = (n: number) => ' '.repeat(n);
const scalar = (v: Node) => stringify(v, { lineWidth: 0 }).trimEnd();
const KEY = /^[A-Za-z0-9_./-]+$/;

/** One document (a map) at indent 0; a switch at the root wraps the whole document. */
export function emitTemplate(doc: Node): string[] {
  if (isDirective(doc) && doc.$ === 'switch') return emitSwitch(doc, (v) => emitTemplate(v));
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('a document is a map');
  return emitMap(doc as Record<string, Node>, 0);
}

function emitSwitch(d: Extract<Directive, { $: 'switch' }>, body: (v: Node) => string[]): string[] {
  const out: string[] = [];
  d.cases.forEach((c, i) => {
    out.push(i === 0 ? `{{- if ${c.cond} }}` : c.cond ? `{{- else if ${c.cond} }}` : '{{- else }}');
    if (c.value !== undefined) out.push(...body(c.value));
  });
  out.push('{{- end }}');
  return out;
}

/** The entries of a map at `indent`; keys starting with `$` hold spreads and includes (they have no key). */
export function emitMap(map: Record<string, Node>, indent: number): string[] {
  return Object.entries(map).flatMap(([key, value]) => emitEntry(key, value, indent));
}

function emitEntry(key: string, value: Node, indent: number): string[] {
  const p = pad(indent);
  if (isDirective(value)) {
    switch (value.$) {
      case 'expr':
        return [`${p}${key}: {{ ${value.text} }}`];
      case 'switch':
        return emitSwitch(value, (v) => emitEntry(key, v, indent));
      case 'toYaml':
        return [
          `{{- with ${value.expr} }}`,
          `${p}${key}:`,
          `${p}  {{- toYaml . | nindent ${indent + 2} }}`,
          '{{- end }}',
        ];
      case 'spread':
        return [`{{- with ${value.expr} }}{{ toYaml . | nindent ${indent} }}{{- end }}`];
      case 'include':
        return [`${p}{{- include "${value.name}" . | nindent ${indent} }}`];
      case 'raw':
        return value.lines(indent);
    }
  }
  if (!KEY.test(key)) throw new Error(`key ${key} needs quoting`);
  if (Array.isArray(value)) {
    return value.length === 0 ? [`${p}${key}: []`] : [`${p}${key}:`, ...emitList(value, indent + 2)];
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value);
    return entries.length === 0 ? [`${p}${key}: {}`] : [`${p}${key}:`, ...emitMap(value, indent + 2)];
  }
  return [`${p}${key}: ${scalar(value)}`];
}

/** List items at `indent` (the dash's column). */
export function emitList(items: Node[], indent: number): string[] {
  const p = pad(indent);
  return items.flatMap((item): string[] => {
    if (isDirective(item)) {
      switch (item.$) {
        case 'expr':
          return [`${p}- {{ ${item.text} }}`];
        case 'switch':
          return emitSwitch(item, (v) => emitList([v], indent));
        case 'spread':
          return [`{{- with ${item.expr} }}{{ toYaml . | nindent ${indent} }}{{- end }}`];
        default:
          throw new Error(`${item.$} cannot be a list item`);
      }
    }
    if (Array.isArray(item)) throw new Error('nested lists are not used');
    if (typeof item === 'object' && item !== null) {
      const lines = emitMap(item, indent + 2);
      if (!lines[0]?.startsWith(pad(indent + 2)) || lines[0].trimStart().startsWith('{{')) {
        throw new Error('a list item map starts with a plain key');
      }
      return [`${p}- ${lines[0].slice(indent + 2)}`, ...lines.slice(1)];
    }
    return [`${p}- ${scalar(item)}`];
  });
}
