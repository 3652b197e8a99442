import type { CoreV1Api, KubeConfig, ListWatch, V1ServiceAccount, Watch } from '@kubernetes/client-node';
import { E, IrsaError } from '../core/errors.js';
import type { KubeObject } from '../core/webhook/types.js';
import { describeKubeError as describe } from '../io/kube/api-error.js';
import { kubeConnection, kubeGetBytes } from '../io/kube/client.js';
import { scanKubeListSpans } from './list-scan.js';
import { type ServiceAccountSource, saKey, slimServiceAccount, slimServiceAccountJson } from './sa-source.js';

export interface KubeSourceOptions {
  annotationPrefix: string;
  log?: { info(o: object, m: string): void; warn(o: object, m: string): void };
  /** First delay before re-listing/re-watching after an error; doubles up to 30 s. Default 1000 ms. */
  reconnectDelayMs?: number;
  /** Pause between live GETs while a ServiceAccount is still missing. Default 100 ms. */
  lookupRetryMs?: number;
}

/** How long a ServiceAccount fetched by a live GET is trusted when the informer has not caught up. */
const FETCHED_TTL_MS = 60_000;
const GET_TIMEOUT_MS = 1_000;
const LIST_PAGE = 500;

/**
 * ServiceAccounts from the Kubernetes API: one cluster-wide informer (client-node's ListWatch, as makeInformer
 * builds it) whose list and watch results are stripped to what mutation reads before they are cached. On a miss, a
 * live GET, retried until the grace period ends, so a pod created together with its ServiceAccount is mutated (the
 * EKS webhook skips it unless its grace period, 0 by default, is set). A watch that ends is resumed by ListWatch
 * itself; one that fails is restarted here with backoff.
 */
export class KubeServiceAccountSource implements ServiceAccountSource {
  ready = false;
  private informer: ListWatch<KubeObject & V1ServiceAccount> | undefined;
  private api: CoreV1Api | undefined;
  private readonly fetched = new Map<string, { sa: KubeObject; at: number }>();
  private readonly pending = new Map<string, Promise<KubeObject | undefined>>();
  private closed = false;
  private backoff: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private firstSync: { resolve: () => void; promise: Promise<void> };
  /** Restarts after an error (tests read it). */
  restarts = 0;

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: KubeSourceOptions,
  ) {
    this.backoff = options.reconnectDelayMs ?? 1000;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.firstSync = { resolve, promise };
  }

  get(namespace: string, name: string): KubeObject | undefined {
    const cached = this.informer?.get(name, namespace);
    if (cached) return cached;
    const f = this.fetched.get(saKey(namespace, name));
    if (f && Date.now() - f.at < FETCHED_TTL_MS) return f.sa;
    return undefined;
  }

  size(): number {
    return this.informer?.list().length ?? 0;
  }

  /** Starts the informer; resolves once the first list is cached (retrying on errors until then). */
  async start(): Promise<void> {
    const k8s = await import('@kubernetes/client-node');
    this.api = this.kc.makeApiClient(k8s.CoreV1Api);
    const prefix = this.options.annotationPrefix;
    const listFn = async () => {
      const items: KubeObject[] = [];
      let metadata: { resourceVersion?: string; continue?: string } = {};
      // Paged as client-go's reflector pages (500 a page), each page read item by item (list-scan.ts).
      do {
        const query = new URLSearchParams({ limit: String(LIST_PAGE) });
        if (metadata.continue) query.set('continue', metadata.continue);
        const body = await this.getRaw(`/api/v1/serviceaccounts?${query}`);
        const rest = scanKubeListSpans(body, (start) => items.push(slimServiceAccountJson(body, start, prefix)));
        metadata = (rest.metadata ?? {}) as typeof metadata;
      } while (metadata.continue);
      // ListWatch stores the items right after this resolves (same tick); ready only once they are in.
      setImmediate(() => this.synced());
      return { metadata: { resourceVersion: metadata.resourceVersion }, items };
    };
    const watch = new k8s.Watch(this.kc);
    // Objects arriving on the watch are stripped before ListWatch stores them.
    const slimming = {
      watch: (
        path: string,
        query: Record<string, string | number | boolean | undefined>,
        cb: (t: string, o: unknown, w?: unknown) => void,
        done: (e: unknown) => void,
      ) =>
        watch.watch(
          path,
          query,
          (type, obj, raw) => {
            this.backoff = this.options.reconnectDelayMs ?? 1000;
            const slim = type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED';
            if (slim) this.fetched.delete(saKey(obj?.metadata?.namespace ?? '', obj?.metadata?.name ?? ''));
            cb(type, slim ? slimServiceAccount(obj as KubeObject, prefix) : obj, raw);
          },
          done,
        ),
    } as unknown as Watch;
    const informer = new k8s.ListWatch<KubeObject & V1ServiceAccount>(
      '/api/v1/serviceaccounts',
      slimming,
      listFn as () => Promise<never>,
      false,
    );
    this.informer = informer;
    informer.on('error', (err: unknown) => this.onError(err));
    void informer.start();
    await this.firstSync.promise;
  }

  /** A GET returning the raw body (the typed client would parse and then copy every object). */
  private getRaw(path: string): Promise<Buffer> {
    return kubeGetBytes(kubeConnection(this.kc), path, { timeoutMs: 60_000 });
  }

  private synced(): void {
    this.backoff = this.options.reconnectDelayMs ?? 1000;
    if (!this.ready) {
      this.ready = true;
      this.options.log?.info({ serviceAccounts: this.size() }, 'ServiceAccount informer synced');
      this.firstSync.resolve();
    }
  }

  private onError(err: unknown): void {
    if (this.closed) return;
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, 30_000);
    this.options.log?.warn(
      { err: describe(err), retryInMs: delay },
      this.ready ? 'ServiceAccount watch failed; reconnecting' : 'ServiceAccount list failed; retrying',
    );
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.closed || !this.informer) return;
      this.restarts++;
      void this.informer.start();
    }, delay);
  }

  /**
   * A live GET for a ServiceAccount the cache does not have, retried until `graceMs` has passed. Concurrent pods of
   * the same ServiceAccount share one lookup. Throws when the API kept failing (not just "not found"), so the
   * server answers it as an internal error (fail-open with a warning, or --fail-closed).
   */
  lookup(namespace: string, name: string, graceMs: number): Promise<KubeObject | undefined> {
    const key = saKey(namespace, name);
    const running = this.pending.get(key);
    if (running) return running;
    const p = this.fetch(namespace, name, Date.now() + graceMs).finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }

  private async fetch(namespace: string, name: string, deadline: number): Promise<KubeObject | undefined> {
    const api = this.api;
    if (!api) return undefined;
    let lastError: unknown;
    // Whether the API answered at all (404 or an error): an attempt that then times out says less than that answer.
    let answered = false;
    for (;;) {
      const cached = this.get(namespace, name);
      if (cached) return cached;
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        const sa = await withTimeout(
          api.readNamespacedServiceAccount({ name, namespace }),
          Math.min(remaining, GET_TIMEOUT_MS),
        );
        const slim = slimServiceAccount(sa as KubeObject, this.options.annotationPrefix);
        this.fetched.set(saKey(namespace, name), { sa: slim, at: Date.now() });
        return slim;
      } catch (e) {
        if (!(e instanceof DeadlineError)) {
          answered = true;
          lastError = (e as { code?: number }).code === 404 ? undefined : e;
        } else if (!answered) lastError = e;
      }
      const wait = Math.min(this.options.lookupRetryMs ?? 100, deadline - Date.now());
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    if (lastError !== undefined) {
      throw new IrsaError(
        E.ERR_SA_LOOKUP,
        `ServiceAccount ${namespace}/${name}: lookup failed (${describe(lastError)})`,
      );
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    await this.informer?.stop();
  }
}

/** A lookup that ran out of its time budget (the API may still answer later; the request cannot wait). */
class DeadlineError extends IrsaError {
  constructor(message: string) {
    super(E.ERR_DEADLINE, message);
    this.name = 'DeadlineError';
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
