/**
 * The objects of the local test API server, as etcd and the registry keep them: one monotonic resourceVersion
 * across kinds, a bounded event history (what watches resume from; forgetting it is etcd's compaction), and LIST
 * pages read at one resourceVersion, continued by token as kube-apiserver pages.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { type ContinueToken, decodeContinue, encodeContinue, encodeStart } from './continue-token.js';
import { apiVersionOf, defOf, type KubeObject, type ResourceDef } from './resources.js';
import { type Filter, hasSelectors, objMatches } from './selectors.js';
import { HttpError } from './status.js';

export interface StoreEvent {
  rv: number;
  def: ResourceDef;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: KubeObject;
  /** The object before a MODIFIED or DELETED (selector transitions, and reading an older resourceVersion). */
  prev?: KubeObject;
}

export interface ListQuery {
  limit?: string;
  continue?: string;
  resourceVersion?: string;
}

export interface ListPage {
  items: KubeObject[];
  resourceVersion: number;
  continue?: string;
  remainingItemCount?: number;
}

// kube-apiserver's wording (k8s.io/apiserver/pkg/storage/etcd3/errors.go) for a continue token older than compaction.
const INCONSISTENT_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list ' +
  'without the continue parameter, or use the continue token in this response to retrieve the remainder of the ' +
  'results. Continuing with the provided token results in an inconsistent list - objects that were created, ' +
  'modified, or deleted between the time the first chunk was returned and now may show up in the list.';

const nowRfc3339 = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export const keyOf = (def: ResourceDef, ns: string | undefined, name: string) =>
  `${def.name}/${def.namespaced ? (ns ?? '') : ''}/${name}`;

/** The key prefix a LIST ranges over (cluster-wide for a namespaced kind: every namespace). */
const listPrefix = (def: ResourceDef, ns: string | undefined) =>
  def.namespaced ? (ns === undefined ? `${def.name}/` : `${def.name}/${ns}/`) : `${def.name}//`;

export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: StoreEvent[] = [];
  private floor = 0;
  private rv = 0;

  constructor(
    private readonly historySize: number,
    private readonly onEvent: (ev: StoreEvent) => void,
  ) {}

  get resourceVersion(): number {
    return this.rv;
  }

  /** Events at or below this resourceVersion are forgotten; reading or watching from before it answers 410. */
  get historyFloor(): number {
    return this.floor;
  }

  eventsAfter(rv: number): StoreEvent[] {
    return this.history.filter((ev) => ev.rv > rv);
  }

  expireHistory(): void {
    this.history.length = 0;
    this.floor = this.rv;
  }

  get(def: ResourceDef, ns: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(keyOf(def, ns, name));
  }

  /** Every matching object at the current resourceVersion, in key order. */
  list(def: ResourceDef, filter: Filter): KubeObject[] {
    return this.entriesAt(def, listPrefix(def, filter.namespace), this.rv)
      .filter(([, o]) => objMatches(o, filter))
      .map(([, o]) => o);
  }

  /**
   * One LIST page. Without `limit` everything; with it at most `limit` items, and when keys remain a continue token
   * (read at the same resourceVersion) and, unless selectors narrow the list, remainingItemCount.
   */
  page(def: ResourceDef, filter: Filter, q: ListQuery): ListPage {
    const token = q.continue ? decodeContinue(q.continue) : undefined;
    if (token && q.resourceVersion && q.resourceVersion !== '0') {
      throw new HttpError(400, 'specifying resource version is not allowed when using continue');
    }
    const limit = parseLimit(q.limit);
    const at = token && token.rv > 0 ? token.rv : this.rv;
    if (token && at < this.floor) throw expiredContinue(token);
    const entries = this.entriesAt(def, listPrefix(def, filter.namespace), at);
    let i = token ? firstAtOrAfter(entries, token.start) : 0;
    const items: KubeObject[] = [];
    for (; i < entries.length && (limit === 0 || items.length < limit); i++) {
      if (objMatches(entries[i][1], filter)) items.push(entries[i][1]);
    }
    if (limit === 0 || i >= entries.length) return { items, resourceVersion: at };
    const remaining = hasSelectors(filter) ? undefined : entries.length - i;
    return {
      items,
      resourceVersion: at,
      continue: encodeContinue(entries[i - 1][0], at),
      remainingItemCount: remaining,
    };
  }

  /** Create-or-replace for tests: namespace defaulted, ADDED or MODIFIED emitted. */
  put(def: ResourceDef, obj: KubeObject): KubeObject {
    const meta = obj.metadata ?? {};
    if (!meta.name) throw new Error('fake kube-apiserver put(): metadata.name is required');
    const ns = def.namespaced ? (meta.namespace ?? 'default') : undefined;
    const body = { ...structuredClone(obj), metadata: { ...structuredClone(meta), ...(ns ? { namespace: ns } : {}) } };
    const existing = this.get(def, ns, meta.name);
    return existing ? this.replace(def, existing, body) : this.create(def, body);
  }

  create(def: ResourceDef, obj: KubeObject): KubeObject {
    const meta = obj.metadata ?? {};
    if (!meta.name && meta.generateName)
      meta.name = `${meta.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
    if (!meta.name) {
      throw new HttpError(
        422,
        `${def.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
      );
    }
    const key = keyOf(def, meta.namespace, meta.name);
    if (this.objects.has(key)) {
      throw new HttpError(409, `${def.name} "${meta.name}" already exists`, 'AlreadyExists', {
        name: meta.name,
        kind: def.name,
      });
    }
    if (def.namespaced) this.ensureNamespace(meta.namespace);
    const { resourceVersion: _rv, ...cleanMeta } = meta;
    const created = this.stamp(def, { ...obj, metadata: cleanMeta });
    this.objects.set(key, created);
    this.emit(def, 'ADDED', created);
    return created;
  }

  replace(def: ResourceDef, existing: KubeObject, next: KubeObject): KubeObject {
    const out = normalize(def, next);
    const old = existing.metadata!;
    out.metadata = {
      ...(out.metadata ?? {}),
      name: old.name,
      uid: old.uid,
      creationTimestamp: old.creationTimestamp,
      resourceVersion: String(++this.rv),
    };
    if (def.namespaced) out.metadata.namespace = old.namespace;
    else delete out.metadata.namespace;
    this.objects.set(keyOf(def, old.namespace, old.name!), out);
    this.emit(def, 'MODIFIED', out, existing);
    return out;
  }

  delete(def: ResourceDef, existing: KubeObject): KubeObject {
    this.objects.delete(keyOf(def, existing.metadata!.namespace, existing.metadata!.name!));
    const gone = structuredClone(existing);
    gone.metadata!.resourceVersion = String(++this.rv);
    this.emit(def, 'DELETED', gone, existing);
    return gone;
  }

  /** Creates a namespace on first use (a real apiserver would answer 404; tests stay short). */
  ensureNamespace(ns: string | undefined): void {
    if (!ns) return;
    const nsDef = defOf('namespaces');
    const key = keyOf(nsDef, undefined, ns);
    if (this.objects.has(key)) return;
    const created = this.stamp(nsDef, { metadata: { name: ns } });
    this.objects.set(key, created);
    this.emit(nsDef, 'ADDED', created);
  }

  /** A new object: normalized, uid, creationTimestamp and the next resourceVersion. */
  private stamp(def: ResourceDef, obj: KubeObject): KubeObject {
    const out = normalize(def, obj);
    out.metadata = { ...(out.metadata ?? {}) };
    if (!def.namespaced) delete out.metadata.namespace;
    out.metadata.uid ??= randomUUID();
    out.metadata.creationTimestamp ??= nowRfc3339();
    out.metadata.resourceVersion = String(++this.rv);
    if (def.name === 'namespaces') out.status ??= { phase: 'Active' };
    return out;
  }

  private emit(def: ResourceDef, type: StoreEvent['type'], obj: KubeObject, prev?: KubeObject): void {
    const ev: StoreEvent = { rv: Number(obj.metadata!.resourceVersion), def, type, obj, prev };
    this.history.push(ev);
    while (this.history.length > this.historySize) this.floor = this.history.shift()!.rv;
    this.onEvent(ev);
  }

  /**
   * The objects under `prefix` as they were at resourceVersion `at` (at >= historyFloor), keyed relative to the
   * prefix and sorted as etcd orders keys: the live objects with the newer events undone.
   */
  private entriesAt(def: ResourceDef, prefix: string, at: number): Array<[string, KubeObject]> {
    const view = new Map<string, KubeObject>();
    for (const [k, o] of this.objects) if (k.startsWith(prefix)) view.set(k, o);
    for (let i = this.history.length - 1; i >= 0 && this.history[i].rv > at; i--) {
      const ev = this.history[i];
      const key = keyOf(ev.def, ev.obj.metadata?.namespace, ev.obj.metadata!.name!);
      if (ev.def !== def || !key.startsWith(prefix)) continue;
      if (ev.type === 'ADDED') view.delete(key);
      else view.set(key, ev.prev!);
    }
    return [...view]
      .map(([k, o]): [string, KubeObject] => [k.slice(prefix.length), o])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

function normalize(def: ResourceDef, obj: KubeObject): KubeObject {
  const { kind: _k, apiVersion: _a, ...rest } = structuredClone(obj);
  const out: KubeObject = { kind: def.kind, apiVersion: apiVersionOf(def), ...rest };
  if (def.name === 'secrets') {
    if (out.stringData && typeof out.stringData === 'object') {
      out.data = { ...(out.data ?? {}) };
      for (const [k, v] of Object.entries(out.stringData as Record<string, string>)) {
        out.data[k] = Buffer.from(String(v)).toString('base64');
      }
      delete out.stringData;
    }
    out.type ??= 'Opaque';
  }
  return out;
}

function parseLimit(limit: string | undefined): number {
  if (limit === undefined || limit === '') return 0;
  const n = Number(limit);
  if (!Number.isInteger(n)) throw new HttpError(400, `invalid limit: ${limit}`);
  return Math.max(n, 0);
}

function firstAtOrAfter(entries: Array<[string, KubeObject]>, start: string): number {
  const i = entries.findIndex(([k]) => k >= start);
  return i < 0 ? entries.length : i;
}

/** 410 Expired with a token (rv -1) that continues at the latest resourceVersion, as kube-apiserver answers. */
function expiredContinue(token: ContinueToken): HttpError {
  return new HttpError(410, INCONSISTENT_CONTINUE, 'Expired', undefined, { continue: encodeStart(token.start, -1) });
}
