import type { Metric } from 'prom-client';

/** One line of the exposition, in prom-client's shape (its type is not exported). */
interface HistogramValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
  /** prom-client sets it (null on buckets, undefined on sum and count); kept so the JSON is the same too. */
  exemplar: null | undefined;
}

/**
 * A Prometheus histogram with one label over a fixed set of values, recorded without allocating or hashing:
 * prom-client's Histogram converts, validates and hashes its labels on every observe() (1–4 µs each on the
 * /mutate path, about 2 % of the webhook's CPU per request). Rendering stays prom-client's: the registry reads
 * get(), which returns what prom-client's Histogram#get returns, and test/webhook/latency-histogram.test.ts checks
 * that the exposition text is identical to a prom-client Histogram fed the same observations.
 */
export class LatencyHistogram<V extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** Per label value: a count per bucket, one above every bound, and the total. */
  private readonly counts: Float64Array[];
  private readonly sums: Float64Array;
  /** Slots in the order they were first observed: prom-client lists label values that way. */
  private order: number[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly label: string,
    private readonly values: readonly V[],
    private readonly buckets: readonly number[],
  ) {
    // Per bucket, then one slot above every bound, then the total.
    this.counts = values.map(() => new Float64Array(buckets.length + 2));
    this.sums = new Float64Array(values.length);
  }

  /** The slot of a label value, to pass to observe(); -1 when it is not one of the fixed values. */
  slot(value: string): number {
    return this.values.indexOf(value as V);
  }

  /** A value that is not a finite number is ignored (prom-client throws; a metric must never fail a request). */
  observe(slot: number, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    const b = this.buckets;
    let i = 0;
    while (i < b.length && seconds > b[i]) i++;
    const counts = this.counts[slot];
    if (counts[b.length + 1] === 0) this.order.push(slot);
    counts[i]++;
    counts[b.length + 1]++;
    this.sums[slot] += seconds;
  }

  /** The metric as prom-client's Histogram#get returns it: observed label values, in first-observed order. */
  async get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: HistogramValue[];
  }> {
    const values: HistogramValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const s of this.order) {
      const counts = this.counts[s];
      const total = counts[this.buckets.length + 1];
      const labelValue = this.values[s];
      let acc = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        acc += counts[i];
        values.push({
          labels: { le: this.buckets[i], [this.label]: labelValue },
          value: acc,
          metricName: bucketName,
          exemplar: null,
        });
      }
      values.push({
        labels: { le: '+Inf', [this.label]: labelValue },
        value: total,
        metricName: bucketName,
        exemplar: null,
      });
      const labels = { [this.label]: labelValue };
      values.push({ labels, value: this.sums[s], metricName: `${this.name}_sum`, exemplar: undefined });
      values.push({ labels: { ...labels }, value: total, metricName: `${this.name}_count`, exemplar: undefined });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Registry#resetMetrics calls it. */
  reset(): void {
    for (const c of this.counts) c.fill(0);
    this.sums.fill(0);
    this.order = [];
  }

  /** For Registry#registerMetric, whose type lists only prom-client's own classes; it reads name and get(). */
  asMetric(): Metric {
    return this as unknown as Metric;
  }
}
