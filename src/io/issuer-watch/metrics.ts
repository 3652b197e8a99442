/**
 * The watch's Prometheus metrics (prefix irsa_issuer_*, irsa_iam_*, irsa_sts_*, beside the webhook's
 * irsa_webhook_*): gauges set from each pass's WatchSample (core/issuer-check/watch-sample.ts), and the publish
 * counter. Labels have small fixed value sets (check ids, apiserver endpoints, three fields), so cardinality is
 * bounded by the cluster's control plane. The names are pinned by a test: alerts depend on them.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { WatchSample } from '../../core/issuer-check/watch-sample.js';

export type PublishResult = 'added' | 'unchanged' | 'error';

export class IssuerWatchMetrics {
  readonly registry = new Registry();
  readonly #checkSuccess: Gauge<'check'>;
  readonly #lastSuccess: Gauge;
  readonly #lastRun: Gauge;
  readonly #duration: Gauge<'target'>;
  readonly #keys: Gauge<'source' | 'endpoint'>;
  readonly #keysets: Gauge;
  readonly #reachable: Gauge;
  readonly #unpublished: Gauge;
  readonly #stale: Gauge;
  readonly #signing: Gauge;
  readonly #cacheAge: Gauge;
  readonly #tlsExpiry: Gauge;
  readonly #iamMatch: Gauge<'field'>;
  readonly #sts: Gauge;
  readonly #publish: Counter<'result'>;

  constructor() {
    const gauge = <L extends string = never>(name: string, help: string, labelNames: L[] = []) =>
      new Gauge<L>({ name, help, labelNames, registers: [this.registry] });
    this.#checkSuccess = gauge('irsa_issuer_check_success', 'Whether each issuer check passed (1) or not (0)', [
      'check',
    ]);
    this.#lastSuccess = gauge(
      'irsa_issuer_last_success_timestamp_seconds',
      'When a pass last ended with no failed check',
    );
    this.#lastRun = gauge('irsa_issuer_last_run_timestamp_seconds', 'When the last pass ended');
    this.#duration = gauge('irsa_issuer_fetch_duration_seconds', 'How long the last pass took to read each target', [
      'target',
    ]);
    this.#keys = gauge('irsa_issuer_keys', 'Keys served, by source (apiserver, published, origin) and endpoint', [
      'source',
      'endpoint',
    ]);
    this.#reachable = gauge(
      'irsa_issuer_published_reachable',
      'Whether discovery and JWKS were fetched as STS fetches them',
    );
    this.#keysets = gauge('irsa_issuer_apiserver_keysets', 'Distinct key sets among the apiserver endpoints (want 1)');
    this.#unpublished = gauge('irsa_issuer_unpublished_keys', 'Apiserver keys missing from the published JWKS');
    this.#stale = gauge('irsa_issuer_stale_published_keys', 'Published keys no apiserver holds');
    this.#signing = gauge(
      'irsa_issuer_signing_key_published',
      "Whether a fresh token's kid is published (1) or not (0)",
    );
    this.#cacheAge = gauge('irsa_issuer_public_cache_age_seconds', 'Age header of the published JWKS as served');
    this.#tlsExpiry = gauge(
      'irsa_issuer_tls_certificate_expiry_timestamp_seconds',
      "When the issuer host's chain expires",
    );
    this.#iamMatch = gauge('irsa_iam_oidc_provider_match', 'Whether the IAM OIDC provider matches, by field', [
      'field',
    ]);
    this.#sts = gauge('irsa_sts_probe_success', 'Whether the STS canary got credentials (1) or not (0)');
    this.#publish = new Counter({
      name: 'irsa_issuer_publish_total',
      help: 'Publish attempts of --publish, by result',
      labelNames: ['result'],
      registers: [this.registry],
    });
    for (const r of ['added', 'unchanged', 'error'] as const) this.#publish.labels(r).inc(0);
  }

  /** Sets every gauge from a pass; a value not observed this pass is removed rather than left stale. */
  update(s: WatchSample, endedAtSeconds: number, durations: Record<string, number>): void {
    this.#checkSuccess.reset();
    for (const [check, v] of Object.entries(s.checkSuccess)) this.#checkSuccess.labels(check).set(v);
    this.#lastRun.set(endedAtSeconds);
    if (s.success) this.#lastSuccess.set(endedAtSeconds);
    this.#duration.reset();
    for (const [target, seconds] of Object.entries(durations)) this.#duration.labels(target).set(seconds);
    this.#keys.reset();
    for (const k of s.keys) this.#keys.labels(k.source, k.endpoint).set(k.count);
    this.#reachable.set(s.publishedReachable);
    setOrReset(this.#keysets, s.apiserverKeysets);
    setOrReset(this.#unpublished, s.unpublishedKeys);
    setOrReset(this.#stale, s.stalePublishedKeys);
    setOrReset(this.#signing, s.signingKeyPublished);
    setOrReset(this.#cacheAge, s.publicCacheAgeSeconds);
    setOrReset(this.#tlsExpiry, s.tlsExpiryTimestampSeconds);
    setOrReset(this.#sts, s.stsProbeSuccess);
    if (s.iamProviderMatch) {
      for (const [field, v] of Object.entries(s.iamProviderMatch)) this.#iamMatch.labels(field).set(v);
    }
  }

  published(result: PublishResult): void {
    this.#publish.labels(result).inc();
  }
}

function setOrReset(g: Gauge, v: number | undefined): void {
  if (v === undefined) g.reset();
  else g.set(v);
}
