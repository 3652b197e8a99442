/**
 * The Kubernetes connection, resolved as kubectl resolves it: --kubeconfig, else $KUBECONFIG (a list, merged with
 * the first file winning), else ~/.kube/config, else the in-cluster service account. @kubernetes/client-node costs
 * ~400 ms to load, so it is imported here, inside functions, and only by commands that talk to a cluster.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { type RequestOptions, request } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { KubeConfig, Context as KubeContext } from '@kubernetes/client-node';
import { E, IrsaError } from '../../core/errors.js';
import { isTlsFailure, systemCode, systemErrorWords } from '../system-errors.js';

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
  let source: string;
  let files: string[] = [];
  if (opts.kubeconfig) {
    files = [opts.kubeconfig];
    assertReadable(opts.kubeconfig, '--kubeconfig');
  } else if (env.KUBECONFIG) {
    // kubectl skips list entries that do not exist, but an all-missing list is an error
    const listed = env.KUBECONFIG.split(delimiter).filter(Boolean);
    files = listed.filter((f) => existsSync(f));
    if (files.length === 0) {
      throw new IrsaError(E.ERR_KUBECONFIG_NOT_FOUND, `KUBECONFIG=${env.KUBECONFIG}: no such file`);
    }
    for (const f of files) assertReadable(f, 'KUBECONFIG');
  } else {
    const home = env.HOME ?? homedir();
    const fallback = join(home, '.kube', 'config');
    if (existsSync(fallback)) {
      files = [fallback];
      assertReadable(fallback, 'kubeconfig');
    }
  }

  if (files.length > 0) {
    source = files.join(delimiter);
    const loaded = files.map((f) => {
      const one = new k8s.KubeConfig();
      try {
        one.loadFromFile(f);
      } catch (e) {
        throw new IrsaError(E.ERR_KUBECONFIG_INVALID, `${f}: not a valid kubeconfig (${firstLine(e)})`);
      }
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

  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new IrsaError(
        E.ERR_KUBE_CONTEXT,
        `context "${opts.context}" not found in ${source} (contexts: ${known.length ? known.join(', ') : 'none'})`,
      );
    }
    kc.setCurrentContext(opts.context);
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
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new IrsaError(E.ERR_KUBECONFIG_INVALID, `${source}: context "${context}" names no cluster with a server URL`);
  }
  return { kubeConfig: kc, source, context: context || 'in-cluster', server: cluster.server.replace(/\/+$/, '') };
}

function assertReadable(file: string, what: string): void {
  try {
    readFileSync(file);
  } catch (e) {
    throw new IrsaError(E.ERR_KUBECONFIG_NOT_FOUND, `${file}: cannot read ${what} (${systemErrorWords(e)})`);
  }
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

/**
 * A request through the connection's own TLS settings and credentials (token, client certificate, exec plugin), for
 * paths the typed API does not cover (the OIDC discovery documents) and for reading objects as plain JSON.
 */
export async function kubeRequest(
  conn: KubeConnection,
  path: string,
  opts: { method?: string; accept?: string; timeoutMs?: number } = {},
): Promise<RawResponse> {
  const httpsOptions: RequestOptions = {};
  try {
    await conn.kubeConfig.applyToHTTPSOptions(httpsOptions as never);
  } catch (e) {
    throw new IrsaError(E.ERR_KUBE_AUTH, `cannot load credentials for context "${conn.context}": ${firstLine(e)}`);
  }
  const url = `${conn.server}${path}`;
  const headers = { ...(httpsOptions.headers ?? {}), accept: opts.accept ?? 'application/json' };
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ...httpsOptions, headers, method: opts.method ?? 'GET', timeout: opts.timeoutMs ?? 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', (e) => reject(unreachable(conn, e)));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${(opts.timeoutMs ?? 30_000) / 1000}s`)));
    req.on('error', (e) => reject(unreachable(conn, e)));
    req.end();
  });
}

function unreachable(conn: KubeConnection, e: Error): IrsaError {
  const code = systemCode(e);
  if (isTlsFailure(e)) {
    return new IrsaError(E.ERR_KUBE_TLS, `${conn.server}: TLS verification failed (${code}: ${e.message})`, {
      hint: 'check certificate-authority(-data) for this cluster in the kubeconfig',
    });
  }
  return new IrsaError(
    E.ERR_KUBE_UNREACHABLE,
    `cannot reach the Kubernetes API at ${conn.server} (${systemErrorWords(e)})`,
  );
}

/** GET returning parsed JSON; non-2xx answers become one-line IrsaErrors carrying the apiserver's Status message. */
export async function kubeGetJson<T = unknown>(conn: KubeConnection, path: string): Promise<T> {
  const res = await kubeRequest(conn, path);
  if (res.status < 200 || res.status > 299) throw statusError(conn, path, res);
  try {
    return JSON.parse(res.body.toString('utf8')) as T;
  } catch {
    throw new IrsaError(E.ERR_KUBE_RESPONSE, `GET ${path}: the apiserver answered with something that is not JSON`);
  }
}

/** Like kubeGetJson, but undefined for 404 (an object that does not exist). */
export async function kubeGetJsonOrUndefined<T = unknown>(conn: KubeConnection, path: string): Promise<T | undefined> {
  const res = await kubeRequest(conn, path);
  if (res.status === 404) return undefined;
  if (res.status < 200 || res.status > 299) throw statusError(conn, path, res);
  return JSON.parse(res.body.toString('utf8')) as T;
}

/** Turns a non-2xx answer into an IrsaError naming the path, the status and the apiserver's own message. */
export function statusError(conn: KubeConnection, path: string, res: RawResponse): IrsaError {
  let message = '';
  try {
    const s = JSON.parse(res.body.toString('utf8')) as { message?: string };
    message = s.message ?? '';
  } catch {
    message = res.body.toString('utf8').slice(0, 200).split('\n')[0];
  }
  const tail = message ? `: ${message}` : '';
  if (res.status === 401) {
    return new IrsaError(E.ERR_KUBE_UNAUTHORIZED, `GET ${path}: 401 Unauthorized${tail}`, {
      hint: `the credentials of context "${conn.context}" in ${conn.source} were rejected (expired token?)`,
    });
  }
  if (res.status === 403) {
    return new IrsaError(E.ERR_KUBE_FORBIDDEN, `GET ${path}: 403 Forbidden${tail}`);
  }
  if (res.status === 404) return new IrsaError(E.ERR_KUBE_NOT_FOUND, `GET ${path}: 404 Not Found${tail}`);
  return new IrsaError(E.ERR_KUBE_STATUS, `GET ${path}: HTTP ${res.status}${tail}`);
}

/** Host name (no port, no brackets) of the connection's apiserver, for comparisons. */
export function serverHost(conn: Pick<KubeConnection, 'server'>): string {
  try {
    return new URL(conn.server).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return conn.server;
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
