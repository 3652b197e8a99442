/**
 * The renderer's objects for every chart TLS mode, merged into one tree: where the modes agree the value stays
 * as rendered; where they differ (container args, volumes, the RBAC rules, objects only one mode has) the tree
 * holds a switch on .Values.tls.mode whose branches are each mode's own rendering. So the chart cannot say
 * anything about a mode that `irsa webhook manifests --tls <mode>` does not.
 */
import { isDeepStrictEqual } from 'node:util';
import { buildWebhookManifests, type TlsMode } from '../webhook.js';
import { CHART_TLS_MODES } from './values-schema.js';
import type { Directive, Node } from './template-tree.js';

/** Stand-ins rendered in place of values the templates fill in (each passes the renderer's own checks). */
export const TOKENS = {
  namespace: 'x0-release-namespace-x0',
  secretName: 'x0-tls-secret-name-x0',
  region: 'zz-helmtoken-north-9',
  account: '000000000000',
  annotationPrefix: 'x0-annotation-prefix-x0',
  tokenAudience: 'x0-token-audience-x0',
  tokenExpiration: 'x0-token-expiration-x0',
} as const;

export type ChartTlsMode = (typeof CHART_TLS_MODES)[number];
const RENDERER_MODE: Record<ChartTlsMode, TlsMode> = {
  'self-managed': 'self-managed',
  'cert-manager': 'cert-manager',
  secret: 'files',
};

export const modeCond = (mode: ChartTlsMode) => `eq .Values.tls.mode ${JSON.stringify(mode)}`;

export interface RenderedDoc {
  object: Record<string, Node>;
  comment?: string;
}

/** One mode's documents by kind/name, rendered with every optional serve flag present (as a token). */
export function renderMode(mode: ChartTlsMode, failurePolicy: 'Ignore' | 'Fail' = 'Ignore'): Map<string, RenderedDoc> {
  const { docs } = buildWebhookManifests({
    namespace: TOKENS.namespace,
    tls: RENDERER_MODE[mode],
    failurePolicy,
    tlsSecretName: TOKENS.secretName,
    region: TOKENS.region,
    composeRoleArnAccount: TOKENS.account,
    annotationPrefix: TOKENS.annotationPrefix,
    tokenAudience: TOKENS.tokenAudience,
    tokenExpiration: TOKENS.tokenExpiration,
  });
  const out = new Map<string, RenderedDoc>();
  for (const d of docs) {
    // A copy per document: the renderer shares one labels object between documents, the templates change them.
    const object = structuredClone(d.object) as Record<string, Node>;
    const meta = object.metadata as { name: string };
    out.set(`${object.kind}/${meta.name}`, { object, comment: d.comment });
  }
  return out;
}

type Variant = { cond: string; value: Node | undefined };

/** The variants' values as one node: equal → the value; all maps → key by key; otherwise a switch. */
export function mergeVariants(variants: Variant[]): Node | undefined {
  const first = variants[0].value;
  if (variants.every((v) => isDeepStrictEqual(v.value, first))) return first;
  if (variants.every((v) => isPlainMap(v.value))) {
    const keys = [...new Set(variants.flatMap((v) => Object.keys(v.value as object)))];
    const merged: Record<string, Node> = {};
    for (const key of keys) {
      const value = mergeVariants(
        variants.map((v) => ({ cond: v.cond, value: (v.value as Record<string, Node>)[key] })),
      );
      if (value !== undefined) merged[key] = value;
    }
    return merged;
  }
  if (variants.every((v) => Array.isArray(v.value) && sameMapLists(v.value, first as Node[]))) {
    return (first as Node[]).map(
      (_, i) => mergeVariants(variants.map((v) => ({ cond: v.cond, value: (v.value as Node[])[i] }))) as Node,
    );
  }
  return switchOf(variants);
}

/** Lists of maps of one length (containers) merge item by item; lists of strings (args) switch whole. */
const sameMapLists = (a: Node[], b: Node[]) => Array.isArray(b) && a.length === b.length && a.every(isPlainMap);

/**
 * Variants with equal values share a case (their conditions or-ed); variants without the value get no case. The
 * last case is the else when every variant has the value.
 */
function switchOf(variants: Variant[]): Directive {
  const groups: Array<{ conds: string[]; value: Node | undefined }> = [];
  for (const v of variants) {
    const g = groups.find((x) => isDeepStrictEqual(x.value, v.value));
    if (g) g.conds.push(v.cond);
    else groups.push({ conds: [v.cond], value: v.value });
  }
  const present = groups.filter((g) => g.value !== undefined);
  const elseLast = present.length === groups.length && present.length > 1;
  return {
    $: 'switch',
    cases: present.map((g, i) => ({
      cond: elseLast && i === present.length - 1 ? undefined : orOf(g.conds),
      value: g.value,
    })),
  };
}

const orOf = (conds: string[]) => (conds.length === 1 ? conds[0] : `or ${conds.map((c) => `(${c})`).join(' ')}`);

function isPlainMap(v: unknown): v is Record<string, Node> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !('$' in v);
}

/** Every mode's documents merged, in the order they first appear; comments kept where all modes agree. */
export function mergedDocuments(): Array<{ key: string; object: Node; comment?: string }> {
  const modes = CHART_TLS_MODES.map((mode) => ({ mode, docs: renderMode(mode) }));
  const keys = [...new Set(modes.flatMap((m) => [...m.docs.keys()]))];
  return keys.map((key) => {
    const object = mergeVariants(modes.map((m) => ({ cond: modeCond(m.mode), value: m.docs.get(key)?.object })));
    const comments = new Set(
      modes
        .map((m) => m.docs.get(key))
        .filter(Boolean)
        .map((d) => d?.comment),
    );
    return { key, object: object as Node, comment: comments.size === 1 ? [...comments][0] : undefined };
  });
}
