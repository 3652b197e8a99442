import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { staleChartFiles } from '../../scripts/chart.js';
import { chartDefaults } from '../../src/core/manifests/chart/values-defaults.js';
import { chartJsonSchema, chartValuesSchema } from '../../src/core/manifests/chart/values-schema.js';
import { buildWebhookManifests, type WebhookManifestsInput } from '../../src/core/manifests/webhook.js';
import { ROOT } from '../support/cli.js';

const CHART = join(ROOT, 'charts', 'irsa-anywhere');

/** The values issue 15 asks for, by these names. */
export const NAMED_VALUES = [
  'replicaCount',
  'image.registry',
  'image.repository',
  'image.tag',
  'image.digest',
  'image.pullPolicy',
  'imagePullSecrets',
  'resources',
  'nodeSelector',
  'tolerations',
  'affinity',
  'topologySpreadConstraints',
  'priorityClassName',
  'podDisruptionBudget.enabled',
  'podDisruptionBudget.minAvailable',
  'podAnnotations',
  'podLabels',
  'podSecurityContext',
  'securityContext',
  'webhook.failurePolicy',
  'webhook.namespaceSelector',
  'webhook.objectSelector',
  'webhook.annotationPrefix',
  'webhook.tokenAudience',
  'webhook.tokenExpiration',
  'webhook.defaultRegion',
  'webhook.composeRoleArn.enabled',
  'webhook.composeRoleArn.accountId',
  'tls.mode',
  'tls.secretName',
  'metrics.enabled',
  'metrics.serviceMonitor.enabled',
  'extraArgs',
  'extraEnv',
  // issue 16: the issuer watch
  'monitor.enabled',
  'monitor.issuer',
  'monitor.intervalSeconds',
  'monitor.canaryRole',
  'monitor.awsSecret',
  'monitor.prometheusRule.enabled',
];

test('charts/irsa-anywhere is what `npm run chart` writes (templates, values, schema, README)', () => {
  assert.deepEqual(staleChartFiles(), [], 'run npm run chart');
});

test('chart values: every named value is in values.yaml, the schema and the README table', () => {
  const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
  assert.deepEqual(values, chartDefaults());
  assert.equal(chartValuesSchema.safeParse(values).success, true);
  const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8'));
  assert.deepEqual(schema, chartJsonSchema());
  const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
  for (const name of NAMED_VALUES) {
    const path = name.split('.');
    const get = (o: unknown) => path.reduce((x: unknown, k) => (x as Record<string, unknown>)?.[k], o);
    assert.notEqual(get(values), undefined, `values.yaml has ${name}`);
    const node = path.reduce((s: { properties?: Record<string, unknown> }, k) => s?.properties?.[k] as never, schema);
    assert.ok(node, `values.schema.json describes ${name}`);
    assert.match(readme, new RegExp(`^\\| \`${name.replaceAll('.', '\\.')}\` \\|`, 'm'), `README row for ${name}`);
  }
  // The README in the repository links to the chart's table.
  assert.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), /charts\/irsa-anywhere\/README\.md/);
});

test('chart values schema: refuses wrong types, unknown fields and an unknown tls.mode', () => {
  const bad = (patch: (v: ReturnType<typeof chartDefaults>) => void) => {
    const v = structuredClone(chartDefaults()) as ReturnType<typeof chartDefaults>;
    patch(v);
    return chartValuesSchema.safeParse(v).success;
  };
  assert.equal(
    bad(() => {}),
    true,
  );
  assert.equal(
    bad((v) => Object.assign(v.tls, { mode: 'files' })),
    false,
  );
  assert.equal(
    bad((v) => Object.assign(v, { replicaCount: '2' })),
    false,
  );
  assert.equal(
    bad((v) => Object.assign(v, { replicas: 2 })),
    false,
  );
  assert.equal(
    bad((v) => Object.assign(v.webhook, { defaultRegion: 'EU West' })),
    false,
  );
  assert.equal(
    bad((v) => Object.assign(v.webhook.composeRoleArn, { accountId: '12345' })),
    false,
  );
  assert.equal(
    bad((v) => Object.assign(v.monitor, { enabled: 'true' })),
    false,
  );
  assert.equal(
    bad((v) => Object.assign(v.monitor, { intervalSeconds: '60s' })),
    false,
  );
  assert.equal(
    bad((v) => Object.assign(v.monitor, { issuer: 'http://oidc.example.com' })),
    false,
  );
  assert.equal(
    bad((v) => Object.assign(v.monitor.prometheusRule, { enabled: 1 })),
    false,
  );
});

test('renderer: the serve flags and TLS Secret the chart needs, each only when given', () => {
  const deployment = (input: WebhookManifestsInput) => {
    // biome-ignore lint/suspicious/noExplicitAny: walked by known paths
    const objects = buildWebhookManifests(input).docs.map((d) => d.object as any);
    return objects.find((o) => o.kind === 'Deployment').spec.template.spec;
  };
  const plain = deployment({});
  assert.ok(!plain.containers[0].args.some((a: string) => /annotation-prefix|token-/.test(a)));
  const given = deployment({
    tls: 'files',
    tlsSecretName: 'own-tls',
    annotationPrefix: 'x.example.com',
    tokenAudience: 'aud',
    tokenExpiration: '12h',
  });
  for (const flag of ['--annotation-prefix=x.example.com', '--token-audience=aud', '--token-expiration=12h']) {
    assert.ok(given.containers[0].args.includes(flag), flag);
  }
  assert.deepEqual(given.volumes[1], { name: 'certs', secret: { secretName: 'own-tls' } });
  // cert-manager always writes irsa-webhook-tls, whatever name is given
  assert.equal(
    deployment({ tls: 'cert-manager', tlsSecretName: 'own-tls' }).volumes[1].secret.secretName,
    'irsa-webhook-tls',
  );
  assert.throws(() => buildWebhookManifests({ tls: 'files', tlsSecretName: 'Own_TLS' }), /DNS-1123 subdomain/);
});
