import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { LatencyHistogram } from './latency-histogram.js';

/**
 * Prometheus metrics of the webhook, served on --metrics-port over plain HTTP. Every label has a small fixed set
 * of values (paths we route, status codes we send, skip reasons we name), so cardinality cannot grow with traffic;
 * label children are resolved once, not per request.
 */

/** Skip reasons are folded onto this fixed set; anything else counts as `other`. */
export const SKIP_REASONS = [
  'no-service-account',
  'no-role',
  'invalid-role-arn',
  'already-mutated',
  'opted-out',
  'not-a-pod',
  'other',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** Label values of the request metrics; '/mutate' first (slot 0), 'other' last. */
const PATHS = ['/mutate', '/healthz', '/readyz', 'other'] as const;
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class WebhookMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'path' | 'code'>;
  private readonly latency: LatencyHistogram<(typeof PATHS)[number]>;
  private readonly requestChildren = new Map<string, { inc(): void }>();
  private readonly skippedChildren = new Map<string, { inc(): void }>();
  private readonly mutate200: { inc(n?: number): void } | undefined;
  private readonly mutationsByMethod: Record<string, { inc(n?: number): void }>;
  readonly missingServiceAccounts: Counter;
  readonly internalErrors: Counter;
  readonly warnings: Counter;
  readonly certificateExpiry: Gauge;
  readonly serviceAccounts: Gauge;
  readonly ready: Gauge;
  /**
   * The per-admission counters are kept as plain numbers and handed to prom-client at scrape time (its label
   * children hash their labels on every inc()); `collect` runs before every read, so scrapes see exact values.
   */
  private pendingMutate200 = 0;
  private readonly pendingMutations = { 'web-identity': 0, 'container-credentials': 0 };
  private pendingWarnings = 0;
  /** Read at scrape time (set by bind()). */
  private sizeOf: () => number = () => 0;
  private isReady: () => boolean = () => false;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'irsa_webhook_requests_total',
      help: 'HTTPS requests by path and status code',
      labelNames: ['path', 'code'],
      registers,
      collect: () => {
        if (this.pendingMutate200 > 0) this.mutate200?.inc(this.pendingMutate200);
        this.pendingMutate200 = 0;
      },
    });
    this.mutate200 = this.requests.labels('/mutate', '200');
    this.latency = new LatencyHistogram(
      'irsa_webhook_request_duration_seconds',
      'Time from request start to response end',
      'path',
      PATHS,
      LATENCY_BUCKETS,
    );
    this.registry.registerMetric(this.latency.asMetric());
    this.mutationsByMethod = this.mutationCounters();
    const skipped = new Counter({
      name: 'irsa_webhook_skipped_total',
      help: 'Admission requests answered without a patch, by reason',
      labelNames: ['reason'],
      registers,
    });
    for (const r of SKIP_REASONS) this.skippedChildren.set(r, skipped.labels(r));
    this.missingServiceAccounts = new Counter({
      name: 'irsa_webhook_missing_service_account_total',
      help: 'Pods whose ServiceAccount was not found, even after the lookup grace period',
      registers,
    });
    this.internalErrors = new Counter({
      name: 'irsa_webhook_internal_errors_total',
      help: 'Internal errors while handling a pod (answered per --fail-closed)',
      registers,
    });
    this.warnings = new Counter({
      name: 'irsa_webhook_warnings_total',
      help: 'AdmissionReview warnings returned to the API server',
      registers,
      collect: () => {
        if (this.pendingWarnings > 0) this.warnings.inc(this.pendingWarnings);
        this.pendingWarnings = 0;
      },
    });
    [this.certificateExpiry, this.serviceAccounts, this.ready] = this.stateGauges();
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** `irsa_webhook_mutations_total` by method, fed from the pending counts at scrape time. */
  private mutationCounters(): Record<string, { inc(n?: number): void }> {
    const mutations = new Counter({
      name: 'irsa_webhook_mutations_total',
      help: 'Pods patched with credentials, by method (web-identity or container-credentials)',
      labelNames: ['method'],
      registers: [this.registry],
      collect: () => {
        for (const m of ['web-identity', 'container-credentials'] as const) {
          if (this.pendingMutations[m] > 0) this.mutationsByMethod[m].inc(this.pendingMutations[m]);
          this.pendingMutations[m] = 0;
        }
      },
    });
    return {
      'web-identity': mutations.labels('web-identity'),
      'container-credentials': mutations.labels('container-credentials'),
    };
  }

  /** Certificate expiry, cached ServiceAccounts and readiness (the last two read at scrape time). */
  private stateGauges(): [Gauge, Gauge, Gauge] {
    const registers = [this.registry];
    const certificateExpiry = new Gauge({
      name: 'irsa_webhook_certificate_expiry_timestamp_seconds',
      help: 'notAfter of the serving certificate, Unix seconds',
      registers,
    });
    const serviceAccounts: Gauge = new Gauge({
      name: 'irsa_webhook_service_accounts',
      help: 'ServiceAccounts in the cache',
      registers,
      collect: () => serviceAccounts.set(this.sizeOf()),
    });
    const ready: Gauge = new Gauge({
      name: 'irsa_webhook_ready',
      help: '1 once the ServiceAccount source is synced',
      registers,
      collect: () => ready.set(this.isReady() ? 1 : 0),
    });
    return [certificateExpiry, serviceAccounts, ready];
  }

  /** Where the scrape-time gauges read from. */
  bind(size: () => number, ready: () => boolean): void {
    this.sizeOf = size;
    this.isReady = ready;
  }

  /** Counts a finished request. `path` outside the routed set is `other`. */
  request(path: string, code: number, seconds: number): void {
    // The common case without building a key.
    if (code === 200 && path === '/mutate' && this.mutate200) {
      this.pendingMutate200++;
      this.latency.observe(0, seconds);
      return;
    }
    let slot = this.latency.slot(path);
    if (slot === -1) slot = PATHS.length - 1;
    const p = PATHS[slot];
    const key = `${p} ${code}`;
    let c = this.requestChildren.get(key);
    if (c === undefined) {
      c = this.requests.labels(p, String(code));
      this.requestChildren.set(key, c);
    }
    c.inc();
    this.latency.observe(slot, seconds);
  }

  mutated(method: string | undefined): void {
    if (method === 'container-credentials') this.pendingMutations['container-credentials']++;
    else this.pendingMutations['web-identity']++;
  }

  /** Counts admission warnings returned. */
  warned(count: number): void {
    this.pendingWarnings += count;
  }

  skipped(reason: string): void {
    (this.skippedChildren.get(reason) ?? this.skippedChildren.get('other'))?.inc();
  }

  /** Serves /metrics on 127.0.0.1 or all interfaces. */
  async listen(port: number, host?: string): Promise<Server> {
    const server = createServer(async (req, res) => {
      if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
        try {
          const body = await this.registry.metrics();
          res.writeHead(200, { 'content-type': this.registry.contentType });
          res.end(body);
        } catch (e) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`${(e as Error).message}\n`);
        }
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return server;
  }
}

/**
 * Maps the core's `skipped` text (mutate.ts) to a bounded metric label. Matched on the fixed parts of its
 * messages, never on names inside them (a namespace called "optimizer" is not an opt-out).
 */
export function skipReason(skipped: string): SkipReason {
  if (skipped.startsWith('already mutated')) return 'already-mutated';
  if (skipped.startsWith('opted out')) return 'opted-out';
  if (skipped.startsWith('invalid ')) return 'invalid-role-arn';
  if (skipped.startsWith('ServiceAccount ') && skipped.endsWith(' not found')) return 'no-service-account';
  if (skipped.startsWith('ServiceAccount ') && skipped.includes(' has no ')) return 'no-role';
  return 'other';
}
