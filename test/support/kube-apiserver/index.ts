/**
 * The local test API server assembled: store (objects, history, paging), watch hub, faults, request log, and the
 * HTTPS server in front of them. See ../kube-apiserver.ts for what it speaks.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { type FaultOptions, Faults, type Hold } from './faults.js';
import { type HttpState, kubeHandler, type TokenRequestHandler } from './http.js';
import { type LoggedRequest, RequestLog } from './request-log.js';
import { defOf, type KubeObject, type ResourceName } from './resources.js';
import { filterOf } from './selectors.js';
import { ObjectStore } from './store.js';
import { makeTestTls } from './tls.js';
import { WatchHub } from './watch.js';

export interface StartOptions {
  /** Bearer token clients must send (default: random). */
  token?: string;
  /** Watch events kept for resumption; a watch from an older resourceVersion gets 410 Expired. Default 1000. */
  historySize?: number;
  /** Serve the two OIDC discovery paths without a token (a cluster bound to system:unauthenticated). */
  anonymousDiscovery?: boolean;
  /** Pre-create default, kube-system, kube-public, kube-node-lease (default true). */
  defaultNamespaces?: boolean;
  /** Listen address (default 127.0.0.1; 127.0.0.2 for a second apiserver endpoint on the same port). */
  host?: string;
  /** Listen port (default: a free one). */
  port?: number;
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
  /** Forgets the watch history (etcd compaction): resuming a watch or a paged LIST from before now gets 410. */
  expireHistory(): void;
  /** The current (latest) resourceVersion. */
  resourceVersion(): string;
  requests: LoggedRequest[];
  /** Resolves once `count` (default 1) answered requests match; rejects after timeoutMs (default 5000). */
  waitForRequest(match: (r: LoggedRequest) => boolean, opts?: { count?: number; timeoutMs?: number }): Promise<void>;
  setDiscovery(configJson: string | undefined, jwksJson: string | undefined): void;
  /** Answers TokenRequests (POST /api/v1/namespaces/NS/serviceaccounts/NAME/token) with the handler's token. */
  onTokenRequest(handler: TokenRequestHandler | undefined): void;
  /** The next `count` (default 1) requests whose path matches answer `status` with a metav1 Status. */
  failNext(pathRegex: RegExp, status: number, opts?: FaultOptions & { message?: string }): void;
  /** The next `count` (default 1) matching requests are held for ms before being served. */
  delayNext(pathRegex: RegExp, ms: number, opts?: FaultOptions): void;
  /** The next `count` (default 1) matching requests are held until hold.release(). */
  holdNext(pathRegex: RegExp, opts?: FaultOptions): Hold;
  close(): Promise<void>;
}

export async function startKubeApiServer(opts: StartOptions = {}): Promise<FakeKube> {
  const tls = await makeTestTls();
  const kube = new KubeApiServer(opts, tls.caPem);
  const server = createServer({ key: tls.keyPem, cert: tls.certPem }, kubeHandler(kube.state));
  await kube.listen(server, opts.host ?? '127.0.0.1', opts.port ?? 0);
  return kube;
}

class KubeApiServer implements FakeKube {
  url = '';
  readonly token: string;
  readonly state: HttpState;
  private readonly watches = new WatchHub();
  private readonly store: ObjectStore;
  private readonly faults = new Faults();
  private readonly log = new RequestLog();
  private readonly sockets = new Set<Socket>();
  private server?: Server;

  constructor(
    opts: StartOptions,
    readonly caPem: string,
  ) {
    this.token = opts.token ?? randomBytes(24).toString('hex');
    this.store = new ObjectStore(opts.historySize ?? 1000, this.watches.deliverAll);
    this.watches.attach(this.store);
    if (opts.defaultNamespaces !== false) {
      for (const ns of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) this.store.ensureNamespace(ns);
    }
    this.state = {
      store: this.store,
      watches: this.watches,
      faults: this.faults,
      log: this.log,
      token: this.token,
      anonymousDiscovery: Boolean(opts.anonymousDiscovery),
      oidc: {},
      serverAddress: () => this.url.slice('https://'.length),
    };
  }

  get requests(): LoggedRequest[] {
    return this.log.entries;
  }

  async listen(server: Server, host: string, port: number): Promise<void> {
    this.server = server;
    const track = (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    };
    server.on('connection', track);
    server.on('secureConnection', track);
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    this.url = `https://${host}:${(server.address() as AddressInfo).port}`;
  }

  kubeconfigYaml(o: { context?: string; namespace?: string } = {}): string {
    const ctx = o.context ?? 'fake';
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${this.url}`,
      `    certificate-authority-data: ${Buffer.from(this.caPem).toString('base64')}`,
      'users:',
      '- name: fake-user',
      '  user:',
      `    token: ${this.token}`,
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

  writeKubeconfig(dir: string, o: { context?: string; fileName?: string; namespace?: string } = {}): string {
    const path = join(dir, o.fileName ?? 'kubeconfig');
    writeFileSync(path, this.kubeconfigYaml(o), { mode: 0o600 });
    return path;
  }

  put(resource: ResourceName, obj: KubeObject): KubeObject {
    return structuredClone(this.store.put(defOf(resource), obj));
  }

  remove(resource: ResourceName, namespace: string | undefined, name: string): boolean {
    const def = defOf(resource);
    const existing = this.store.get(def, def.namespaced ? (namespace ?? 'default') : undefined, name);
    if (existing) this.store.delete(def, existing);
    return existing !== undefined;
  }

  get(resource: ResourceName, namespace: string | undefined, name: string): KubeObject | undefined {
    const def = defOf(resource);
    const o = this.store.get(def, def.namespaced ? (namespace ?? 'default') : undefined, name);
    return o ? structuredClone(o) : undefined;
  }

  list(resource: ResourceName, namespace?: string): KubeObject[] {
    return this.store.list(defOf(resource), filterOf({}, namespace)).map((o) => structuredClone(o));
  }

  dropWatches(o: { mode?: 'destroy' | 'end' } = {}): number {
    return this.watches.drop(o.mode);
  }

  openWatches(resource?: ResourceName): number {
    return this.watches.open(resource);
  }

  waitForWatches(n: number, resource?: ResourceName, timeoutMs = 5000): Promise<void> {
    return this.watches.waitFor(n, resource, timeoutMs);
  }

  sendBookmarks(): void {
    this.watches.sendBookmarks();
  }

  expireHistory(): void {
    this.store.expireHistory();
  }

  resourceVersion(): string {
    return String(this.store.resourceVersion);
  }

  waitForRequest(match: (r: LoggedRequest) => boolean, o?: { count?: number; timeoutMs?: number }): Promise<void> {
    return this.log.waitFor(match, o);
  }

  setDiscovery(configJson: string | undefined, jwksJson: string | undefined): void {
    this.state.oidc = { discovery: configJson, jwks: jwksJson };
  }

  onTokenRequest(handler: TokenRequestHandler | undefined): void {
    this.state.tokenRequest = handler;
  }

  failNext(re: RegExp, status: number, o?: FaultOptions & { message?: string }): void {
    this.faults.failNext(re, status, o);
  }

  delayNext(re: RegExp, ms: number, o?: FaultOptions): void {
    this.faults.delayNext(re, ms, o);
  }

  holdNext(re: RegExp, o?: FaultOptions): Hold {
    return this.faults.holdNext(re, o);
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.watches.drop('destroy');
      for (const s of this.sockets) s.destroy();
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}
