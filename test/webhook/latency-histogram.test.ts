/**
 * LatencyHistogram must be indistinguishable from a prom-client Histogram on the wire: same exposition text (both
 * formats) and same JSON for the same observations, bucket edges included.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Histogram, Registry, type RegistryContentType } from 'prom-client';
import { LatencyHistogram } from '../../src/webhook/latency-histogram.js';
import { LATENCY_BUCKETS } from '../../src/webhook/metrics.js';

const PATHS = ['/mutate', '/healthz', '/readyz', 'other'] as const;
const NAME = 'irsa_webhook_request_duration_seconds';
const HELP = 'Time from request start to response end';

// Exactly on bucket bounds (le is inclusive), between them, above the last one, and zero; label values first seen
// in another order than PATHS (a kubelet probe usually comes before the first admission): prom-client lists them in
// first-observed order.
const OBSERVATIONS: Array<[(typeof PATHS)[number], number]> = [
  ['other', 0.75],
  ['/healthz', 0.002],
  ['/mutate', 0],
  ['/mutate', 0.0005],
  ['/mutate', 0.00051],
  ['/mutate', 0.003],
  ['/mutate', 5],
  ['/mutate', 7.25],
  ['/healthz', 0.0001],
  ['/healthz', 0.1],
  ['other', 2.5],
];

function pair() {
  const theirs = new Registry<RegistryContentType>();
  const h = new Histogram({
    name: NAME,
    help: HELP,
    labelNames: ['path'],
    buckets: LATENCY_BUCKETS,
    registers: [theirs],
  });
  const ours = new Registry<RegistryContentType>();
  const l = new LatencyHistogram(NAME, HELP, 'path', PATHS, LATENCY_BUCKETS);
  ours.registerMetric(l.asMetric());
  for (const [path, v] of OBSERVATIONS) {
    h.labels(path).observe(v);
    l.observe(l.slot(path), v);
  }
  return { theirs, ours, l };
}

describe('LatencyHistogram', () => {
  test('renders the same Prometheus text as prom-client for the same observations', async () => {
    const { theirs, ours } = pair();
    const expected = await theirs.metrics();
    assert.match(expected, /_bucket\{le="0.0005",path="\/mutate"\} 2/); // the comparison is not vacuous
    assert.equal(await ours.metrics(), expected);
  });

  test('renders the same OpenMetrics text and JSON', async () => {
    const { theirs, ours } = pair();
    theirs.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    ours.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    assert.equal(await ours.metrics(), await theirs.metrics());
    assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON());
  });

  test('an unobserved histogram renders no series; reset() clears, as prom-client', async () => {
    const ours = new Registry();
    const l = new LatencyHistogram(NAME, HELP, 'path', PATHS, LATENCY_BUCKETS);
    ours.registerMetric(l.asMetric());
    assert.equal(await ours.metrics(), `# HELP ${NAME} ${HELP}\n# TYPE ${NAME} histogram\n`);
    l.observe(0, 0.2);
    assert.match(await ours.metrics(), /_count\{path="\/mutate"\} 1/);
    ours.resetMetrics();
    assert.doesNotMatch(await ours.metrics(), /_count/);
  });

  test('a value that is not a finite number is ignored rather than thrown (prom-client throws)', async () => {
    const ours = new Registry();
    const l = new LatencyHistogram(NAME, HELP, 'path', PATHS, LATENCY_BUCKETS);
    ours.registerMetric(l.asMetric());
    l.observe(0, Number.NaN);
    l.observe(0, Number.POSITIVE_INFINITY);
    l.observe(0, 0.01);
    const text = await ours.metrics();
    assert.match(text, /_count\{path="\/mutate"\} 1\n/);
    assert.match(text, /_sum\{path="\/mutate"\} 0.01\n/);
  });

  test('slot() is -1 for a value outside the fixed set', () => {
    const l = new LatencyHistogram(NAME, HELP, 'path', PATHS, LATENCY_BUCKETS);
    assert.equal(l.slot('/mutate'), 0);
    assert.equal(l.slot('other'), 3);
    assert.equal(l.slot('/etc/passwd'), -1);
  });
});
