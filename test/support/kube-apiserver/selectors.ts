/** labelSelector / fieldSelector as kube-apiserver reads them (=, ==, !=, in, notin, exists, !exists). */
import type { KubeObject } from './resources.js';

type Requirement = { key: string; op: '=' | '!=' | 'in' | 'notin' | 'exists' | '!exists'; values: string[] };

export interface Filter {
  namespace?: string;
  labels: Requirement[];
  fields: Requirement[];
}

/** The filter of a LIST or WATCH: its namespace, its selectors, and (for a named watch) metadata.name. */
export function filterOf(q: Record<string, string>, namespace?: string, name?: string): Filter {
  const filter: Filter = { namespace, labels: parseSelector(q.labelSelector), fields: parseSelector(q.fieldSelector) };
  if (name !== undefined) filter.fields.push({ key: 'metadata.name', op: '=', values: [name] });
  return filter;
}

/** Whether a filter narrows beyond the namespace (then the apiserver leaves out remainingItemCount). */
export const hasSelectors = (f: Filter) => f.labels.length > 0 || f.fields.length > 0;

export function objMatches(obj: KubeObject, f: Filter): boolean {
  if (f.namespace !== undefined && obj.metadata?.namespace !== f.namespace) return false;
  return (
    matches(f.labels, (k) => obj.metadata?.labels?.[k]) &&
    matches(f.fields, (k) => (k === 'metadata.namespace' ? (obj.metadata?.namespace ?? '') : fieldValue(obj, k)))
  );
}

/** Splits on top-level commas (not those inside `in (a,b)`). */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') parts.push(cur);
  return parts.map((p) => p.trim()).filter(Boolean);
}

function parseSelector(s: string | undefined): Requirement[] {
  if (!s) return [];
  return splitTop(s).map((part): Requirement => {
    let m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (m) return { key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim()) };
    m = /^([^!=\s]+)\s*(!=|==|=)\s*(.*)$/.exec(part);
    if (m) return { key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3].trim()] };
    if (part.startsWith('!')) return { key: part.slice(1).trim(), op: '!exists', values: [] };
    return { key: part, op: 'exists', values: [] };
  });
}

function matches(reqs: Requirement[], lookup: (key: string) => string | undefined): boolean {
  return reqs.every((r) => {
    const v = lookup(r.key);
    switch (r.op) {
      case '=':
        return v === r.values[0];
      case '!=':
        return v !== r.values[0];
      case 'in':
        return v !== undefined && r.values.includes(v);
      case 'notin':
        return v === undefined || !r.values.includes(v);
      case 'exists':
        return v !== undefined;
      default:
        return v === undefined;
    }
  });
}

function fieldValue(obj: KubeObject, path: string): string | undefined {
  // biome-ignore lint/suspicious/noExplicitAny: walking arbitrary JSON
  let cur: any = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[p];
  }
  if (cur === undefined || cur === null) return path === 'metadata.namespace' ? '' : undefined;
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}
