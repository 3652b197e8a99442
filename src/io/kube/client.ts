/**
 * The Kubernetes connection, resolved as kubectl resolves it: --kubeconfig, else $KUBECONFIG (a list, merged with
 * the first file winning), else ~/.kube/config, else the in-cluster service account. @kubernetes/client-node costs
 * ~400 ms to load, so it is imported here, inside functions, and only by commands that talk to a cluster.
 *
 * Reads go through client-node's typed API where one fits (the webhook's watch and lookups); the raw GET below is
 * for what it does not fit: the OIDC discovery documents (exact bytes, no typed model) and lists read item by item
 * without the typed client's two parsed copies of every object (webhook/list-scan.ts). It sends through the one
 * HTTP request of the project (io/http/request.ts) with client-node's own TLS options and credentials.
 */
import { existsSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { KubeConfig, Context as KubeContext } from '@kubernetes/client-node';
import { E, IrsaError } from '../../core/errors.js';
import { httpRequest, type RequestFailure } from '../http/request.js';
import { systemErrorWords } from '../system-errors.js';

export interface KubeConnectionOptions {
  kubeconfig?: string;
  context?: string;
  /**
   * Prefix of the in-cluster service account files (`…/token`, `ca.crt`, `namespace`): '' in a pod; tests point it at
   * a directory of their own. The API address comes from KUBERNETES_SERVICE_HOST/PORT, as client-go reads them.
   */
  inClusterRoot?: string;
}

export interface KubeConnection {
  kubeConfig: KubeConfig;
  /** Where the configuration came from: file path(s) or `in-cluster`. */
  source: string;
  /** The context in use (`in-cluster` when there is none). */
  context: string;
  /** The apiserver URL, e.g. https://10.0.0.1:6443. */
  server: string;
}

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export async function loadKubeConfig(opts: KubeConnectionOptions = {}, env = process.env): Promise<KubeConnection> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  const files = kubeconfigFiles(opts, env);
  let source: string;
  if (files) {
    // Its YAML parser and schema are loaded only when there are files to read (never in a webhook's pod).
    const { loadKubeconfigFile } = await import('./kubeconfig-file.js');
    source = files.list.join(delimiter);
    const loaded = files.list.map((f) => {
      const one = new k8s.KubeConfig();
      loadKubeconfigFile(one, f, files.what);
      return one;
    });
    mergeFirstWins(kc, loaded);
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(`${opts.inClusterRoot ?? ''}${IN_CLUSTER_TOKEN}`)) {
    source = 'in-cluster';
    // client-node reads KUBERNETES_SERVICE_HOST/PORT from process.env itself; the token file is re-read as the
    // kubelet rotates it (projected tokens live an hour).
    kc.loadFromCluster(opts.inClusterRoot ?? '');
  } else {
    throw new IrsaError(
      E.ERR_KUBECONFIG_NOT_FOUND,
      'no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run inside a pod',
    );
  }
  const context = selectContext(kc, opts.context, source);
  return { ...kubeConnection(kc, source), context: context || 'in-cluster' };
}

/** The kubeconfig files to read, as kubectl picks them; undefined when there are none (then in-cluster). */
function kubeconfigFiles(
  opts: KubeConnectionOptions,
  env: NodeJS.ProcessEnv,
): { list: string[]; what: string } | undefined {
  if (opts.kubeconfig) return { list: [opts.kubeconfig], what: '--kubeconfig' };
  if (env.KUBECONFIG) {
    // kubectl skips list entries that do not exist, but an all-missing list is an error
    const list = env.KUBECONFIG.split(delimiter).filter((f) => f && existsSync(f));
    if (list.length === 0)
      throw new IrsaError(E.ERR_KUBECONFIG_NOT_FOUND, `KUBECONFIG=${env.KUBECONFIG}: no such file`);
    return { list, what: 'KUBECONFIG' };
  }
  const fallback = join(env.HOME ?? homedir(), '.kube', 'config');
  return existsSync(fallback) ? { list: [fallback], what: 'kubeconfig' } : undefined;
}

/** Applies --context and checks that the context in use exists; returns its name ('' in-cluster). */
function selectContext(kc: KubeConfig, wanted: string | undefined, source: string): string {
  if (wanted) {
    if (!kc.getContextObject(wanted)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new IrsaError(
        E.ERR_KUBE_CONTEXT,
        `context "${wanted}" not found in ${source} (contexts: ${known.length ? known.join(', ') : 'none'})`,
      );
    }
    kc.setCurrentContext(wanted);
  }
  const context = kc.getCurrentContext();
  if (source !== 'in-cluster' && (!context || !kc.getContextObject(context))) {
    throw new IrsaError(
      E.ERR_KUBE_CONTEXT,
      context
        ? `current-context "${context}" is not defined in ${source}`
        : `${source} has no current-context; pass --context`,
    );
  }
  return context;
}

/** A connection for a KubeConfig loaded elsewhere (the webhook's): its current context and cluster server. */
export function kubeConnection(kc: KubeConfig, source = 'kubeconfig'): KubeConnection {
  const context = kc.getCurrentContext();
  const server = kc.getCurrentCluster()?.server;
  if (!server) {
    throw new IrsaError(E.ERR_KUBECONFIG_INVALID, `${source}: context "${context}" names no cluster with a server URL`);
  }
  if (!URL.canParse(server)) {
    throw new IrsaError(
      E.ERR_KUBECONFIG_INVALID,
      `${source}: the server of context "${context}" is not a URL: ${server}`,
    );
  }
  return { kubeConfig: kc, source, context, server: server.replace(/\/+$/, '') };
}

/** kubectl's merge: for each name the first file that defines it wins; the first current-context set wins. */
function mergeFirstWins(into: KubeConfig, configs: KubeConfig[]): void {
  const pick = <T extends { name: string }>(lists: T[][]): T[] => {
    const seen = new Map<string, T>();
    for (const list of lists) for (const item of list) if (!seen.has(item.name)) seen.set(item.name, item);
    return [...seen.values()];
  };
  into.loadFromOptions({
    clusters: pick(configs.map((c) => c.getClusters())),
    users: pick(configs.map((c) => c.getUsers())),
    contexts: pick(configs.map((c) => c.getContexts() as KubeContext[])),
    currentContext: configs.map((c) => c.getCurrentContext()).find((c) => c) ?? '',
  });
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body exactly as served. */
  body: Buffer;
}

/** Largest answer read (a cluster-wide pod list of a big cluster stays well under it). */
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A request through the connection's own TLS settings and credentials (token, client certificate, exec plugin,
 * proxy), for paths the typed API does not cover (the OIDC discovery documents) and for reading objects as plain
 * JSON or raw bytes.
 */
export async function kubeRequest(
  conn: KubeConnection,
  path: string,
  opts: { method?: string; accept?: string; timeoutMs?: number; body?: { contentType: string; text: string } } = {},
): Promise<RawResponse> {
  const httpsOptions: RequestOptions = {};
  try {
    await conn.kubeConfig.applyToHTTPSOptions(httpsOptions as never);
  } catch (e) {
    throw new IrsaError(
      E.ERR_KUBE_AUTH,
      `cannot load credentials for context "${conn.context}" (${systemErrorWords(e)})`,
    );
  }
  const sent = opts.body
    ? { 'content-type': opts.body.contentType, 'content-length': Buffer.byteLength(opts.body.text) }
    : {};
  const headers = { ...(httpsOptions.headers ?? {}), accept: opts.accept ?? 'application/json', ...sent };
  const r = await httpRequest(
    new URL(`${conn.server}${path}`),
    { ...httpsOptions, headers, method: opts.method ?? 'GET', ...(opts.body ? { body: opts.body.text } : {}) },
    { connectTimeoutMs: CONNECT_TIMEOUT_MS, totalTimeoutMs: opts.timeoutMs ?? 30_000, maxBytes: MAX_ANSWER_BYTES },
  );
  if (!r.ok) throw unreachable(conn, path, r);
  return { status: r.status, headers: r.headers, body: r.body };
}

function unreachable(conn: KubeConnection, path: string, f: RequestFailure): IrsaError {
  if (f.reason === 'tls') {
    return new IrsaError(E.ERR_KUBE_TLS, `${conn.server}: TLS verification failed (${f.detail})`, {
      hint: 'check certificate-authority(-data) for this cluster in the kubeconfig',
    });
  }
  if (f.reason === 'too-large') {
    return new IrsaError(E.ERR_KUBE_RESPONSE, `GET ${path}: the answer is too large (${f.detail})`);
  }
  return new IrsaError(E.ERR_KUBE_UNREACHABLE, `cannot reach the Kubernetes API at ${conn.server} (${f.detail})`);
}

/** GET returning the body as served; any status but 200 is a one-line IrsaError with the apiserver's message. */
export async function kubeGetBytes(
  conn: KubeConnection,
  path: string,
  opts: { timeoutMs?: number } = {},
): Promise<Buffer> {
  const res = await kubeRequest(conn, path, opts);
  if (res.status !== 200) throw statusError(conn, path, res);
  return res.body;
}

/** GET returning parsed JSON; non-2xx answers become one-line IrsaErrors carrying the apiserver's Status message. */
export async function kubeGetJson<T = unknown>(conn: KubeConnection, path: string): Promise<T> {
  const res = await kubeRequest(conn, path);
  if (res.status < 200 || res.status > 299) throw statusError(conn, path, res);
  return parseAnswer<T>(path, res);
}

/** Like kubeGetJson, but undefined for 404 (an object that does not exist). */
export async function kubeGetJsonOrUndefined<T = unknown>(conn: KubeConnection, path: string): Promise<T | undefined> {
  const res = await kubeRequest(conn, path);
  if (res.status === 404) return undefined;
  if (res.status < 200 || res.status > 299) throw statusError(conn, path, res);
  return parseAnswer<T>(path, res);
}

function parseAnswer<T>(path: string, res: RawResponse): T {
  try {
    return JSON.parse(res.body.toString('utf8')) as T;
  } catch {
    throw new IrsaError(E.ERR_KUBE_RESPONSE, `GET ${path}: the apiserver answered with something that is not JSON`);
  }
}

/** Turns a non-2xx answer into an IrsaError naming the path, the status and the apiserver's own message. */
export function statusError(conn: KubeConnection, path: string, res: RawResponse, method = 'GET'): IrsaError {
  const message = statusMessage(res.body);
  const tail = message ? `: ${message}` : '';
  if (res.status === 401) {
    return new IrsaError(E.ERR_KUBE_UNAUTHORIZED, `${method} ${path}: 401 Unauthorized${tail}`, {
      hint: `the credentials of context "${conn.context}" in ${conn.source} were rejected (expired token?)`,
    });
  }
  if (res.status === 403) {
    return new IrsaError(E.ERR_KUBE_FORBIDDEN, `${method} ${path}: 403 Forbidden${tail}`);
  }
  if (res.status === 404) return new IrsaError(E.ERR_KUBE_NOT_FOUND, `${method} ${path}: 404 Not Found${tail}`);
  return new IrsaError(E.ERR_KUBE_STATUS, `${method} ${path}: HTTP ${res.status}${tail}`);
}

/** The `message` of a Kubernetes Status body, else the first line of whatever was answered (at most 200 bytes). */
function statusMessage(body: Buffer): string {
  try {
    const s = JSON.parse(body.toString('utf8')) as { message?: unknown };
    return typeof s?.message === 'string' ? s.message.split('\n')[0] : '';
  } catch {
    return body.toString('utf8', 0, 200).split('\n')[0];
  }
}

/** Host name (no port, no brackets) of the connection's apiserver, for comparisons. */
export function serverHost(conn: Pick<KubeConnection, 'server'>): string {
  try {
    return new URL(conn.server).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return conn.server;
  }
}
