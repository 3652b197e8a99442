/**
 * A local Kubernetes API server for tests: real HTTPS (own test CA), bearer-token auth, and the wire protocol of
 * kube-apiserver for the resources this project touches. No real apiserver can run here; this is the one every
 * Kubernetes-facing test uses (the real @kubernetes/client-node and kubectl both talk to it, see its own tests).
 *
 * Usage:
 *
 *   import { startKubeApiServer } from '../support/kube-apiserver.js';
 *   const kube = await startKubeApiServer();           // opts: { token?, historySize?, anonymousDiscovery?, ... }
 *   t.after(() => kube.close());
 *   const kubeconfig = kube.writeKubeconfig(dir);       // real file: server, certificate-authority-data, token
 *   kube.put('serviceaccounts', { metadata: { name: 'app', namespace: 'default',
 *     annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/app' } } });   // ADDED/MODIFIED
 *   kube.get('serviceaccounts', 'default', 'app'); kube.list('pods'); kube.remove('pods', 'default', 'p1');
 *   kube.setDiscovery(discoveryJson, jwksJson);         // exact bytes served at the two OIDC paths
 *   kube.dropWatches();                                 // destroy every open watch socket (test reconnects)
 *   kube.failNext(/serviceaccounts\/app$/, 500);        // next matching request answers a Status 500
 *   kube.requests                                       // [{ method, path, query, status, watch }]
 *   await kube.waitForWatches(1, 'serviceaccounts');    // until an informer's watch is open
 *
 * Resources (see RESOURCES): core/v1 serviceaccounts, secrets, configmaps, pods, namespaces;
 * admissionregistration.k8s.io/v1 mutatingwebhookconfigurations; apps/v1 replicasets, deployments, statefulsets,
 * daemonsets; coordination.k8s.io/v1 leases. Protocol, as kube-apiserver does it:
 * - LIST (cluster-wide `/api/v1/pods` or namespaced) -> `{kind: PodList, apiVersion, metadata: {resourceVersion},
 *   items}`; items carry no kind/apiVersion (as real lists); labelSelector and fieldSelector (=, ==, !=, in, notin,
 *   exists) honoured; limit/continue ignored (everything in one page, no `continue`).
 * - GET one -> the object with kind/apiVersion; missing -> 404 metav1 Status reason NotFound.
 * - WATCH (`?watch=true|1`, or the legacy `/watch/` path): newline-delimited `{type, object}` over chunked HTTP.
 *   No resourceVersion (or "0"): synthetic ADDED for what exists, then changes. A resourceVersion: the changes after
 *   it from a bounded history (historySize events); older than that -> HTTP 200 then an ERROR event
 *   `{kind: Status, code: 410, reason: Expired, message: "too old resource version: N (M)"}` and the stream ends.
 *   allowWatchBookmarks=true -> BOOKMARK events on sendBookmarks() and before a timeoutSeconds close.
 * - POST create (201; 409 AlreadyExists; generateName), PUT replace (409 Conflict when metadata.resourceVersion is
 *   set and stale; unconditional when unset), PATCH merge-patch+json, strategic-merge-patch+json (applied as a merge
 *   patch: lists are replaced, `$` directives dropped), json-patch+json (fast-json-patch; 422 when it fails),
 *   apply-patch+yaml -> 415; DELETE -> 200 with the object (409 on a stale preconditions.resourceVersion).
 *   `/status` subresources read/write the whole object.
 * - Secrets: stringData folded into base64 data, type defaults to Opaque.
 * - One monotonic resourceVersion across all kinds; uid and creationTimestamp set on create.
 * - Bearer token required everywhere (401 Status otherwise); `anonymousDiscovery: true` opens the two OIDC paths.
 * - Discovery for kubectl: /api, /apis, /api/v1, /apis/G/V, /version; /healthz, /readyz, /livez.
 * - `/.well-known/openid-configuration` (application/json) and `/openid/v1/jwks` (application/jwk-set+json), both
 *   `Cache-Control: public, max-age=3600`, 404 until setDiscovery().
 * - Bodies are JSON only: a protobuf body (kubectl's typed generators such as `kubectl create sa NAME`) -> 415.
 *   kubectl get/annotate/label/delete/patch work; create/apply -f need --validate=false (no /openapi).
 * Namespaces default, kube-system, kube-public and kube-node-lease exist from the start, and put()/POST of a
 * namespaced object creates its namespace when missing (real apiserver would 404; tests stay short).
 *
 * Also exported: makeTestTls() (a CA + a 127.0.0.1/localhost serving certificate, cached per process) and
 * startHttpsServer(handler) for other local HTTPS endpoints (e.g. a published JWKS host).
 */
// Certificates are issued in this process: @peculiar/x509 needs the Reflect polyfill first (src/core/certs/issue.ts).
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import jsonpatch from 'fast-json-patch';
import { issueCa, issueServingCert } from '../../src/core/certs/issue.js';

// ---------------------------------------------------------------------------------------------------------------
// Types

export type ResourceName =
  | 'serviceaccounts'
  | 'secrets'
  | 'configmaps'
  | 'pods'
  | 'namespaces'
  | 'mutatingwebhookconfigurations'
  | 'replicasets'
  | 'deployments'
  | 'statefulsets'
  | 'daemonsets'
  | 'leases';

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are open-ended JSON; tests index into them freely
export type KubeObject = { apiVersion?: string; kind?: string; metadata?: KubeMeta; [key: string]: any };
export interface KubeMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  [key: string]: unknown;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  watch: boolean;
  /** HTTP status answered (for a watch: 200 once the stream starts). */
  status?: number;
}

export interface StartOptions {
  /** Bearer token clients must send (default: random). */
  token?: string;
  /** Watch events kept for resumption; a watch from an older resourceVersion gets 410 Expired. Default 1000. */
  historySize?: number;
  /** Serve the two OIDC discovery paths without a token (a cluster bound to system:unauthenticated). */
  anonymousDiscovery?: boolean;
  /** Pre-create default, kube-system, kube-public, kube-node-lease (default true). */
  defaultNamespaces?: boolean;
}

export interface FakeKube {
  /** https://127.0.0.1:PORT */
  url: string;
  /** PEM of the CA that signed the server certificate. */
  caPem: string;
  token: string;
  /** Writes a kubeconfig (cluster `fake`, user `fake-user`, context `opts.context ?? 'fake'`); returns its path. */
  writeKubeconfig(dir: string, opts?: { context?: string; fileName?: string; namespace?: string }): string;
  /** The kubeconfig text writeKubeconfig writes. */
  kubeconfigYaml(opts?: { context?: string; namespace?: string }): string;
  /** Create or replace (keeps uid/creationTimestamp), bumps resourceVersion, emits ADDED or MODIFIED. */
  put(resource: ResourceName, obj: KubeObject): KubeObject;
  /** Deletes and emits DELETED; false when absent. */
  remove(resource: ResourceName, namespace: string | undefined, name: string): boolean;
  get(resource: ResourceName, namespace: string | undefined, name: string): KubeObject | undefined;
  list(resource: ResourceName, namespace?: string): KubeObject[];
  /** Destroys every open watch socket (mode 'destroy', default: clients see an error) or ends it cleanly ('end'). */
  dropWatches(opts?: { mode?: 'destroy' | 'end' }): number;
  /** Open watch streams, optionally of one resource. */
  openWatches(resource?: ResourceName): number;
  /** Resolves once at least n watches (of resource) are open; rejects after timeoutMs (default 5000). */
  waitForWatches(n: number, resource?: ResourceName, timeoutMs?: number): Promise<void>;
  /** Sends a BOOKMARK to every watch that asked for allowWatchBookmarks. */
  sendBookmarks(): void;
  /** Forgets the watch history: any watch resuming from an older resourceVersion gets 410 Expired. */
  expireHistory(): void;
  /** The current (latest) resourceVersion. */
  resourceVersion(): string;
  requests: LoggedRequest[];
  setDiscovery(configJson: string | undefined, jwksJson: string | undefined): void;
  /** The next `count` (default 1) requests whose path matches answer `status` with a metav1 Status. */
  failNext(pathRegex: RegExp, status: number, opts?: { count?: number; message?: string; method?: string }): void;
  /** The next `count` (default 1) matching requests are held for ms before being served. */
  delayNext(pathRegex: RegExp, ms: number, opts?: { count?: number; method?: string }): void;
  close(): Promise<void>;
}

interface ResourceDef {
  name: ResourceName;
  singular: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  shortNames?: string[];
}

const RESOURCES: ResourceDef[] = [
  {
    name: 'serviceaccounts',
    singular: 'serviceaccount',
    kind: 'ServiceAccount',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['sa'],
  },
  { name: 'secrets', singular: 'secret', kind: 'Secret', group: '', version: 'v1', namespaced: true },
  {
    name: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['cm'],
  },
  { name: 'pods', singular: 'pod', kind: 'Pod', group: '', version: 'v1', namespaced: true, shortNames: ['po'] },
  {
    name: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    group: '',
    version: 'v1',
    namespaced: false,
    shortNames: ['ns'],
  },
  {
    name: 'mutatingwebhookconfigurations',
    singular: 'mutatingwebhookconfiguration',
    kind: 'MutatingWebhookConfiguration',
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    namespaced: false,
  },
  {
    name: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    shortNames: ['rs'],
  },
  {
    name: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    shortNames: ['deploy'],
  },
  {
    name: 'statefulsets',
    singular: 'statefulset',
    kind: 'StatefulSet',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    shortNames: ['sts'],
  },
  {
    name: 'daemonsets',
    singular: 'daemonset',
    kind: 'DaemonSet',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    shortNames: ['ds'],
  },
  { name: 'leases', singular: 'lease', kind: 'Lease', group: 'coordination.k8s.io', version: 'v1', namespaced: true },
];
const BY_NAME = new Map(RESOURCES.map((r) => [r.name, r]));
const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

const apiVersionOf = (def: ResourceDef) => (def.group ? `${def.group}/${def.version}` : def.version);

function defOf(resource: ResourceName): ResourceDef {
  const def = BY_NAME.get(resource);
  if (!def) throw new Error(`fake kube-apiserver: unknown resource ${resource}`);
  return def;
}

// ---------------------------------------------------------------------------------------------------------------
// TLS material

export interface TestTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

let tlsPromise: Promise<TestTls> | undefined;

/** A test CA and a serving certificate for 127.0.0.1 and localhost (ECDSA P-256), made once per process. */
export function makeTestTls(): Promise<TestTls> {
  tlsPromise ??= generateTls();
  return tlsPromise;
}

async function generateTls(): Promise<TestTls> {
  // The project's one certificate issuer (src/core/certs), as the sandbox and the webhook use it.
  const ca = await issueCa({ days: 7, commonName: 'irsa-anywhere test CA' });
  const leaf = await issueServingCert({ ca, days: 7, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  return { caPem: ca.certPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
}

/** A plain HTTPS server on 127.0.0.1 with the test CA (for published-JWKS hosts and the like). */
export async function startHttpsServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; caPem: string; server: Server; close(): Promise<void> }> {
  const tls = await makeTestTls();
  const server = createServer({ key: tls.keyPem, cert: tls.certPem }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: tls.caPem,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Selectors (labelSelector / fieldSelector)

type Requirement = { key: string; op: '=' | '!=' | 'in' | 'notin' | 'exists' | '!exists'; values: string[] };

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

interface Filter {
  namespace?: string;
  labels: Requirement[];
  fields: Requirement[];
}

function objMatches(obj: KubeObject, f: Filter): boolean {
  if (f.namespace !== undefined && obj.metadata?.namespace !== f.namespace) return false;
  return (
    matches(f.labels, (k) => obj.metadata?.labels?.[k]) &&
    matches(f.fields, (k) => (k === 'metadata.namespace' ? (obj.metadata?.namespace ?? '') : fieldValue(obj, k)))
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Patching

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 JSON merge patch; `$`-prefixed strategic-merge directives are dropped. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Status bodies (metav1.Status, as kube-apiserver writes them)

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

function status(code: number, message: string, reason = REASONS[code] ?? 'Unknown', details?: Record<string, unknown>) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const notFound = (def: ResourceDef, name: string) =>
  new HttpError(404, `${def.name} "${name}" not found`, 'NotFound', { name, kind: def.name });
const conflict = (def: ResourceDef, name: string) =>
  new HttpError(
    409,
    `Operation cannot be fulfilled on ${def.name} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    'Conflict',
    { name, kind: def.name },
  );

// ---------------------------------------------------------------------------------------------------------------
// The server

interface WatchEvent {
  rv: number;
  def: ResourceDef;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: KubeObject;
  prev?: KubeObject;
}

interface Watcher {
  def: ResourceDef;
  filter: Filter;
  bookmarks: boolean;
  res: ServerResponse;
  socket: Socket;
  timer?: NodeJS.Timeout;
}

interface Fault {
  re: RegExp;
  method?: string;
  count: number;
  status?: number;
  message?: string;
  delayMs?: number;
}

const nowRfc3339 = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function startKubeApiServer(opts: StartOptions = {}): Promise<FakeKube> {
  const tls = await makeTestTls();
  const token = opts.token ?? randomBytes(24).toString('hex');
  const historySize = opts.historySize ?? 1000;
  const store = new Map<string, KubeObject>(); // key: resource/namespace/name
  const history: WatchEvent[] = [];
  let historyFloor = 0; // events at or below this resourceVersion are forgotten
  let rv = 0;
  const watchers = new Set<Watcher>();
  const faults: Fault[] = [];
  const requests: LoggedRequest[] = [];
  let discovery: string | undefined;
  let jwks: string | undefined;
  const sockets = new Set<Socket>();

  const keyOf = (def: ResourceDef, ns: string | undefined, name: string) =>
    `${def.name}/${def.namespaced ? (ns ?? '') : ''}/${name}`;

  function withType(def: ResourceDef, obj: KubeObject): KubeObject {
    const { kind: _k, apiVersion: _a, ...rest } = obj;
    return { kind: def.kind, apiVersion: apiVersionOf(def), ...rest };
  }
  function withoutType(obj: KubeObject): KubeObject {
    const { kind: _k, apiVersion: _a, ...rest } = structuredClone(obj);
    return rest;
  }

  function normalize(def: ResourceDef, obj: KubeObject): KubeObject {
    const out = withType(def, structuredClone(obj));
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

  function emit(def: ResourceDef, type: WatchEvent['type'], obj: KubeObject, prev?: KubeObject) {
    const ev: WatchEvent = { rv: Number(obj.metadata!.resourceVersion), def, type, obj, prev };
    history.push(ev);
    while (history.length > historySize) historyFloor = history.shift()!.rv;
    for (const w of watchers) deliver(w, ev);
  }

  /** Sends an event to a watcher, translating label/field selector transitions as the watch cache does. */
  function deliver(w: Watcher, ev: WatchEvent) {
    if (w.def !== ev.def) return;
    const now = objMatches(ev.obj, w.filter);
    const before = ev.prev !== undefined && objMatches(ev.prev, w.filter);
    let type: string | undefined;
    if (ev.type === 'ADDED') type = now ? 'ADDED' : undefined;
    else if (ev.type === 'DELETED') type = now ? 'DELETED' : undefined;
    else if (now && before) type = 'MODIFIED';
    else if (now) type = 'ADDED';
    else if (before) type = 'DELETED';
    if (type) writeEvent(w, type, ev.obj);
  }

  function writeEvent(w: Watcher, type: string, object: unknown) {
    if (!w.res.writableEnded && !w.socket.destroyed) w.res.write(`${JSON.stringify({ type, object })}\n`);
  }

  function ensureNamespace(ns: string | undefined) {
    if (!ns) return;
    const nsDef = defOf('namespaces');
    if (!store.has(keyOf(nsDef, undefined, ns))) {
      store.set(keyOf(nsDef, undefined, ns), createObject(nsDef, { metadata: { name: ns } }));
      emit(nsDef, 'ADDED', store.get(keyOf(nsDef, undefined, ns))!);
    }
  }

  function createObject(def: ResourceDef, obj: KubeObject): KubeObject {
    const out = normalize(def, obj);
    out.metadata = { ...(out.metadata ?? {}) };
    if (!def.namespaced) delete out.metadata.namespace;
    out.metadata.uid ??= randomUUID();
    out.metadata.creationTimestamp ??= nowRfc3339();
    out.metadata.resourceVersion = String(++rv);
    if (def.name === 'namespaces') out.status ??= { phase: 'Active' };
    return out;
  }

  function doCreate(def: ResourceDef, obj: KubeObject): KubeObject {
    const meta = obj.metadata ?? {};
    if (!meta.name && meta.generateName) {
      meta.name = `${meta.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
    }
    if (!meta.name) {
      throw new HttpError(
        422,
        `${def.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
      );
    }
    const key = keyOf(def, meta.namespace, meta.name);
    if (store.has(key)) {
      throw new HttpError(409, `${def.name} "${meta.name}" already exists`, 'AlreadyExists', {
        name: meta.name,
        kind: def.name,
      });
    }
    if (def.namespaced) ensureNamespace(meta.namespace);
    const { resourceVersion: _rv, ...cleanMeta } = meta;
    const created = createObject(def, { ...obj, metadata: cleanMeta });
    store.set(key, created);
    emit(def, 'ADDED', created);
    return created;
  }

  function doReplace(def: ResourceDef, existing: KubeObject, next: KubeObject): KubeObject {
    const out = normalize(def, next);
    out.metadata = {
      ...(out.metadata ?? {}),
      name: existing.metadata!.name,
      uid: existing.metadata!.uid,
      creationTimestamp: existing.metadata!.creationTimestamp,
      resourceVersion: String(++rv),
    };
    if (def.namespaced) out.metadata.namespace = existing.metadata!.namespace;
    else delete out.metadata.namespace;
    store.set(keyOf(def, existing.metadata!.namespace, existing.metadata!.name!), out);
    emit(def, 'MODIFIED', out, existing);
    return out;
  }

  function doDelete(def: ResourceDef, existing: KubeObject): KubeObject {
    store.delete(keyOf(def, existing.metadata!.namespace, existing.metadata!.name!));
    const gone = structuredClone(existing);
    gone.metadata!.resourceVersion = String(++rv);
    emit(def, 'DELETED', gone);
    return gone;
  }

  function listObjects(def: ResourceDef, filter: Filter): KubeObject[] {
    const prefix = `${def.name}/`;
    return [...store.entries()]
      .filter(([k, o]) => k.startsWith(prefix) && objMatches(o, filter))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o);
  }

  if (opts.defaultNamespaces !== false) {
    for (const ns of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) ensureNamespace(ns);
  }

  // ---- HTTP ----

  const logOf = new WeakMap<ServerResponse, LoggedRequest>();
  function send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}) {
    const log = logOf.get(res);
    if (log) log.status = code;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...headers });
    res.end(text);
  }

  function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  /** A create/replace body; JSON only (kube-apiserver also takes protobuf and YAML; this server does not). */
  async function readJsonBody(req: IncomingMessage): Promise<string> {
    const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim();
    const text = await readBody(req);
    if (type !== 'application/json' && type !== '*/*') {
      throw new HttpError(
        415,
        `the body of the request was in an unknown format - accepted media types include: application/json (test server: ${type} not supported)`,
      );
    }
    return text;
  }

  function parseJson(text: string): KubeObject {
    try {
      const v = JSON.parse(text);
      if (!isPlainObject(v) && !Array.isArray(v)) throw new Error('not an object');
      return v as KubeObject;
    } catch (e) {
      throw new HttpError(400, `the body of the request could not be decoded: ${(e as Error).message}`);
    }
  }

  function discoveryDoc(path: string): unknown | undefined {
    const groups = new Map<string, ResourceDef[]>();
    for (const r of RESOURCES) groups.set(apiVersionOf(r), [...(groups.get(apiVersionOf(r)) ?? []), r]);
    if (path === '/api') {
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: url.slice('https://'.length) }],
      };
    }
    if (path === '/apis') {
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...new Set(RESOURCES.filter((r) => r.group).map((r) => r.group))].map((g) => {
          const gv = { groupVersion: `${g}/v1`, version: 'v1' };
          return { name: g, versions: [gv], preferredVersion: gv };
        }),
      };
    }
    const gv = path === '/api/v1' ? 'v1' : path.startsWith('/apis/') ? path.slice('/apis/'.length) : undefined;
    const defs = gv ? groups.get(gv) : undefined;
    if (!defs) return undefined;
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: gv,
      resources: defs.flatMap((r) => [
        {
          name: r.name,
          singularName: r.singular,
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: VERBS,
          ...(r.shortNames ? { shortNames: r.shortNames } : {}),
        },
        {
          name: `${r.name}/status`,
          singularName: '',
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: ['get', 'patch', 'update'],
        },
      ]),
    };
  }

  interface Route {
    def: ResourceDef;
    namespace?: string;
    name?: string;
    sub?: string;
    legacyWatch: boolean;
  }

  function route(path: string): Route | undefined {
    const segs = path.split('/').filter((s) => s !== '');
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 3) {
      group = '';
      version = segs[1];
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 4) {
      group = segs[1];
      version = segs[2];
      rest = segs.slice(3);
    } else return undefined;
    let legacyWatch = false;
    if (rest[0] === 'watch') {
      legacyWatch = true;
      rest = rest.slice(1);
    }
    let namespace: string | undefined;
    let plural: string;
    let name: string | undefined;
    let sub: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      [, namespace, plural, name, sub] = rest;
      if (rest.length > 5) return undefined;
    } else {
      [plural, name, sub] = rest;
      if (rest.length > 3) return undefined;
    }
    const def = RESOURCES.find((r) => r.name === plural && r.group === group && r.version === version);
    if (!def) return undefined;
    if (namespace !== undefined && !def.namespaced) return undefined;
    if (namespace === undefined && def.namespaced && name !== undefined) return undefined;
    if (sub !== undefined && sub !== 'status') return undefined;
    return { def, namespace, name, sub, legacyWatch };
  }

  function startWatch(
    req: IncomingMessage,
    res: ServerResponse,
    r: Route,
    q: Record<string, string>,
    log: LoggedRequest,
  ) {
    const filter: Filter = {
      namespace: r.namespace,
      labels: parseSelector(q.labelSelector),
      fields: parseSelector(q.fieldSelector),
    };
    if (r.name !== undefined) filter.fields.push({ key: 'metadata.name', op: '=', values: [r.name] });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    log.status = 200;
    const w: Watcher = {
      def: r.def,
      filter,
      bookmarks: q.allowWatchBookmarks === 'true' || q.allowWatchBookmarks === '1',
      res,
      socket: req.socket,
    };
    const from = q.resourceVersion ?? '';
    if (from === '' || from === '0') {
      for (const o of listObjects(r.def, filter)) writeEvent(w, 'ADDED', o);
    } else {
      const n = Number(from);
      if (!Number.isInteger(n) || n < 0) {
        writeEvent(w, 'ERROR', status(400, `invalid resource version: ${from}`));
        res.end();
        return;
      }
      if (n < historyFloor) {
        writeEvent(w, 'ERROR', status(410, `too old resource version: ${n} (${historyFloor + 1})`, 'Expired'));
        res.end();
        return;
      }
      for (const ev of history) if (ev.rv > n) deliver(w, ev);
    }
    watchers.add(w);
    const cleanup = () => {
      watchers.delete(w);
      if (w.timer) clearTimeout(w.timer);
    };
    res.on('close', cleanup);
    req.socket.on('close', cleanup);
    const timeout = Number(q.timeoutSeconds);
    if (Number.isFinite(timeout) && timeout > 0) {
      w.timer = setTimeout(() => {
        if (w.bookmarks) writeBookmark(w);
        cleanup();
        res.end();
      }, timeout * 1000);
    }
  }

  function writeBookmark(w: Watcher) {
    writeEvent(w, 'BOOKMARK', {
      kind: w.def.kind,
      apiVersion: apiVersionOf(w.def),
      metadata: { resourceVersion: String(rv) },
    });
  }

  async function handleResource(
    req: IncomingMessage,
    res: ServerResponse,
    r: Route,
    q: Record<string, string>,
    log: LoggedRequest,
  ) {
    const { def } = r;
    const method = req.method ?? 'GET';
    if (r.name === undefined) {
      if (method === 'GET') {
        if (r.legacyWatch || q.watch === 'true' || q.watch === '1') {
          log.watch = true;
          startWatch(req, res, r, q, log);
          return;
        }
        const filter: Filter = {
          namespace: r.namespace,
          labels: parseSelector(q.labelSelector),
          fields: parseSelector(q.fieldSelector),
        };
        send(res, 200, {
          kind: `${def.kind}List`,
          apiVersion: apiVersionOf(def),
          metadata: { resourceVersion: String(rv) },
          items: listObjects(def, filter).map(withoutType),
        });
        return;
      }
      if (method === 'POST') {
        const body = parseJson(await readJsonBody(req));
        body.metadata ??= {};
        if (def.namespaced) {
          if (r.namespace === undefined)
            throw new HttpError(
              405,
              'the server does not allow this method on the requested resource',
              'MethodNotAllowed',
            );
          if (body.metadata.namespace !== undefined && body.metadata.namespace !== r.namespace) {
            throw new HttpError(
              400,
              'the namespace of the provided object does not match the namespace sent on the request',
            );
          }
          body.metadata.namespace = r.namespace;
        }
        send(res, 201, doCreate(def, body));
        return;
      }
      throw new HttpError(405, 'the server does not allow this method on the requested resource', 'MethodNotAllowed');
    }
    if (r.legacyWatch || (method === 'GET' && (q.watch === 'true' || q.watch === '1'))) {
      log.watch = true;
      startWatch(req, res, r, q, log);
      return;
    }
    const existing = store.get(keyOf(def, r.namespace, r.name));
    if (method === 'GET') {
      if (!existing) throw notFound(def, r.name);
      send(res, 200, existing);
      return;
    }
    if (method === 'PUT') {
      const body = parseJson(await readJsonBody(req));
      if (body.metadata?.name !== undefined && body.metadata.name !== r.name) {
        throw new HttpError(
          400,
          `the name of the object (${body.metadata.name}) does not match the name on the URL (${r.name})`,
        );
      }
      if (!existing) throw notFound(def, r.name);
      const want = body.metadata?.resourceVersion;
      if (want !== undefined && want !== '' && want !== existing.metadata!.resourceVersion) throw conflict(def, r.name);
      send(res, 200, doReplace(def, existing, body));
      return;
    }
    if (method === 'PATCH') {
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
      const text = await readBody(req);
      if (!existing) throw notFound(def, r.name);
      let patched: KubeObject;
      if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json') {
        const patch = parseJson(text);
        const want = patch.metadata?.resourceVersion;
        if (want !== undefined && want !== null && want !== existing.metadata!.resourceVersion)
          throw conflict(def, r.name);
        patched = mergePatch(existing, patch) as KubeObject;
      } else if (type === 'application/json-patch+json') {
        const ops = parseJson(text);
        if (!Array.isArray(ops)) throw new HttpError(400, 'json patch must be an array of operations');
        try {
          patched = jsonpatch.applyPatch(
            structuredClone(existing),
            ops as jsonpatch.Operation[],
            true,
            false,
          ).newDocument;
        } catch (e) {
          throw new HttpError(
            422,
            `the server rejected our request due to an error in our request: ${(e as Error).message.split('\n')[0]}`,
          );
        }
        const want = patched.metadata?.resourceVersion;
        if (want !== existing.metadata!.resourceVersion && want !== undefined) throw conflict(def, r.name);
      } else {
        throw new HttpError(
          415,
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
        );
      }
      send(res, 200, doReplace(def, existing, patched));
      return;
    }
    if (method === 'DELETE') {
      if (!existing) throw notFound(def, r.name);
      const text = await readBody(req);
      if (text.trim() !== '') {
        const opts = parseJson(text);
        const pre = opts.preconditions ?? {};
        if (pre.resourceVersion !== undefined && pre.resourceVersion !== existing.metadata!.resourceVersion)
          throw conflict(def, r.name);
        if (pre.uid !== undefined && pre.uid !== existing.metadata!.uid) throw conflict(def, r.name);
      }
      send(res, 200, doDelete(def, existing));
      return;
    }
    throw new HttpError(405, 'the server does not allow this method on the requested resource', 'MethodNotAllowed');
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const u = new URL(req.url ?? '/', 'https://127.0.0.1');
    const query = Object.fromEntries(u.searchParams.entries());
    const method = req.method ?? 'GET';
    const log: LoggedRequest = { method, path: u.pathname, query, watch: false };
    requests.push(log);
    logOf.set(res, log);
    try {
      for (const f of faults) {
        if (f.count > 0 && f.re.test(u.pathname) && (!f.method || f.method === method)) {
          f.count--;
          if (f.delayMs !== undefined) await new Promise((r) => setTimeout(r, f.delayMs));
          else {
            send(res, f.status!, status(f.status!, f.message ?? `injected failure (${f.status})`));
            return;
          }
        }
      }
      const isOidc = u.pathname === '/.well-known/openid-configuration' || u.pathname === '/openid/v1/jwks';
      const auth = req.headers.authorization ?? '';
      if (auth !== `Bearer ${token}` && !(isOidc && opts.anonymousDiscovery)) {
        throw new HttpError(401, 'Unauthorized');
      }
      if (isOidc) {
        const isConfig = u.pathname === '/.well-known/openid-configuration';
        const body = isConfig ? discovery : jwks;
        if (method !== 'GET')
          throw new HttpError(
            405,
            'the server does not allow this method on the requested resource',
            'MethodNotAllowed',
          );
        if (body === undefined)
          throw new HttpError(404, 'the server could not find the requested resource', 'NotFound', {});
        send(res, 200, body, {
          'Content-Type': isConfig ? 'application/json' : 'application/jwk-set+json',
          'Cache-Control': 'public, max-age=3600',
        });
        return;
      }
      if (u.pathname === '/healthz' || u.pathname === '/readyz' || u.pathname === '/livez') {
        log.status = 200;
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('ok');
        return;
      }
      if (u.pathname === '/version') {
        send(res, 200, {
          major: '1',
          minor: '32',
          gitVersion: 'v1.32.0-irsa-test',
          gitCommit: '0000000000000000000000000000000000000000',
          gitTreeState: 'clean',
          buildDate: '2026-01-01T00:00:00Z',
          goVersion: 'go1.23.0',
          compiler: 'gc',
          platform: 'linux/amd64',
        });
        return;
      }
      const doc = method === 'GET' ? discoveryDoc(u.pathname.replace(/\/$/, '')) : undefined;
      if (doc !== undefined) {
        send(res, 200, doc);
        return;
      }
      const r = route(u.pathname);
      if (!r) throw new HttpError(404, 'the server could not find the requested resource', 'NotFound', {});
      await handleResource(req, res, r, query, log);
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError) send(res, e.code, status(e.code, e.message, e.reason, e.details));
      else send(res, 500, status(500, `fake apiserver: ${(e as Error).message}`));
    }
  }

  const server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    void handle(req, res);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `https://127.0.0.1:${port}`;

  function kubeconfigYaml(o: { context?: string; namespace?: string } = {}): string {
    const ctx = o.context ?? 'fake';
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${url}`,
      `    certificate-authority-data: ${Buffer.from(tls.caPem).toString('base64')}`,
      'users:',
      '- name: fake-user',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      `- name: ${ctx}`,
      '  context:',
      '    cluster: fake',
      '    user: fake-user',
      `    namespace: ${o.namespace ?? 'default'}`,
      `current-context: ${ctx}`,
      'preferences: {}',
      '',
    ].join('\n');
  }

  const api: FakeKube = {
    url,
    caPem: tls.caPem,
    token,
    requests,
    kubeconfigYaml,
    writeKubeconfig(dir, o = {}) {
      const path = join(dir, o.fileName ?? 'kubeconfig');
      writeFileSync(path, kubeconfigYaml(o), { mode: 0o600 });
      return path;
    },
    put(resource, obj) {
      const def = defOf(resource);
      const meta = obj.metadata ?? {};
      if (!meta.name) throw new Error('fake kube-apiserver put(): metadata.name is required');
      const ns = def.namespaced ? (meta.namespace ?? 'default') : undefined;
      const body = {
        ...structuredClone(obj),
        metadata: { ...structuredClone(meta), ...(ns ? { namespace: ns } : {}) },
      };
      const existing = store.get(keyOf(def, ns, meta.name));
      const stored = existing ? doReplace(def, existing, body) : doCreate(def, body);
      return structuredClone(stored);
    },
    remove(resource, namespace, name) {
      const def = defOf(resource);
      const existing = store.get(keyOf(def, def.namespaced ? (namespace ?? 'default') : undefined, name));
      if (!existing) return false;
      doDelete(def, existing);
      return true;
    },
    get(resource, namespace, name) {
      const def = defOf(resource);
      const o = store.get(keyOf(def, def.namespaced ? (namespace ?? 'default') : undefined, name));
      return o ? structuredClone(o) : undefined;
    },
    list(resource, namespace) {
      return listObjects(defOf(resource), { namespace, labels: [], fields: [] }).map((o) => structuredClone(o));
    },
    dropWatches(o = {}) {
      const n = watchers.size;
      for (const w of [...watchers]) {
        watchers.delete(w);
        if (w.timer) clearTimeout(w.timer);
        if (o.mode === 'end') w.res.end();
        else w.socket.destroy();
      }
      return n;
    },
    openWatches(resource) {
      return [...watchers].filter((w) => !resource || w.def.name === resource).length;
    },
    async waitForWatches(n, resource, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (api.openWatches(resource) < n) {
        if (Date.now() > deadline) {
          throw new Error(
            `fake kube-apiserver: expected ${n} open watch(es) on ${resource ?? 'any resource'}, have ${api.openWatches(resource)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    sendBookmarks() {
      for (const w of watchers) if (w.bookmarks) writeBookmark(w);
    },
    expireHistory() {
      history.length = 0;
      historyFloor = rv;
    },
    resourceVersion: () => String(rv),
    setDiscovery(configJson, jwksJson) {
      discovery = configJson;
      jwks = jwksJson;
    },
    failNext(re, code, o = {}) {
      faults.push({ re, status: code, count: o.count ?? 1, message: o.message, method: o.method });
    },
    delayNext(re, ms, o = {}) {
      faults.push({ re, delayMs: ms, count: o.count ?? 1, method: o.method });
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const w of watchers) w.socket.destroy();
        watchers.clear();
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
  return api;
}
