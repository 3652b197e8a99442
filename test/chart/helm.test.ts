import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { chartDefaults } from '../../src/core/manifests/chart/values-defaults.js';
import { type ChartValues, chartJsonSchema } from '../../src/core/manifests/chart/values-schema.js';
import { buildIssuerWatchManifests, type IssuerWatchManifestsInput } from '../../src/core/manifests/issuer-watch.js';
import { buildWebhookManifests, type WebhookManifestsInput } from '../../src/core/manifests/webhook.js';
import { ROOT, tempDir } from '../support/cli.js';
import { helmTest, run } from '../support/helm.js';
import { startDiscovery } from '../support/kube-discovery.js';
import { DIGEST, everyValueChanged, leafPaths, valuesWith } from './helm-values.js';

const CHART = join(ROOT, 'charts', 'irsa-anywhere');
// biome-ignore lint/suspicious/noExplicitAny: rendered objects are walked freely in tests
type Obj = Record<string, any>;
const HELM_LABELS = [
  'helm.sh/chart',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
];

/** `helm template` of the chart (or a packaged .tgz) with these values in namespace `ns`: the objects, or the error. */
async function template(
  t: { after: (fn: () => void) => void },
  helm: string,
  values: unknown,
  ns = 'irsa-webhook',
  chart = CHART,
): Promise<{ code: number; objects: Obj[]; stderr: string; stdout: string }> {
  const file = join(tempDir(t, 'irsa-helm-'), 'values.json');
  writeFileSync(file, JSON.stringify(values));
  const r = await run(helm, ['template', 'irsa-anywhere', chart, '--namespace', ns, '--values', file]);
  const objects =
    r.code === 0
      ? parseAllDocuments(r.stdout)
          .map((d) => d.toJS() as Obj)
          .filter(Boolean)
      : [];
  return { ...r, objects };
}

/** The object without Helm's labels (metadata and pod template), for comparing with deploy/ and the renderer. */
function withoutHelmLabels(o: Obj): Obj {
  const copy = structuredClone(o);
  for (const labels of [copy.metadata?.labels, copy.spec?.template?.metadata?.labels]) {
    for (const l of HELM_LABELS) if (labels) delete labels[l];
  }
  return copy;
}

const key = (o: Obj) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const sorted = (objs: Obj[]) => [...objs].sort((a, b) => key(a).localeCompare(key(b)));
/** The issuer watch's objects (monitor.*) carry its name label; the webhook's do not. */
const isWatch = (o: Obj) => o.metadata?.labels?.['app.kubernetes.io/name'] === 'irsa-issuer-watch';
/** The webhook's object of this kind (not the issuer watch's). */
const find = (objs: Obj[], kind: string) => objs.find((o) => o.kind === kind && !isWatch(o)) as Obj;
const findWatch = (objs: Obj[], kind: string) => objs.find((o) => o.kind === kind && isWatch(o)) as Obj;
const MONITOR_ON = { monitor: { enabled: true, issuer: 'https://oidc.example.com/c1' } };

/** The renderer's objects for these inputs, minus the Namespace (the chart leaves the release namespace to Helm). */
function rendered(input: WebhookManifestsInput): Obj[] {
  return buildWebhookManifests(input)
    .docs.map((d) => d.object as Obj)
    .filter((o) => o.kind !== 'Namespace');
}

helmTest('helm lint --strict: the chart with default values and with every value changed', async (t, helm) => {
  for (const values of [chartDefaults(), everyValueChanged(), valuesWith(MONITOR_ON)]) {
    const file = join(tempDir(t, 'irsa-helm-'), 'values.json');
    writeFileSync(file, JSON.stringify(values));
    const r = await run(helm, ['lint', '--strict', CHART, '--values', file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  }
});

helmTest(
  'helm template, defaults: the objects of `kubectl kustomize deploy/` but the Namespace, plus Helm labels',
  async (t, helm) => {
    const kustomize = await run('kubectl', ['kustomize', join(ROOT, 'deploy')]);
    assert.equal(kustomize.code, 0, kustomize.stderr);
    const fromDeploy = parseAllDocuments(kustomize.stdout).map((d) => d.toJS() as Obj);
    const r = await template(t, helm, {});
    assert.equal(r.code, 0, r.stderr);
    // Helm's labels are there, on every object and the pods
    for (const o of r.objects) {
      assert.equal(o.metadata.labels['app.kubernetes.io/managed-by'], 'Helm', key(o));
      assert.equal(o.metadata.labels['helm.sh/chart'], 'irsa-anywhere-0.1.0', key(o));
    }
    assert.deepEqual(
      sorted(r.objects.map(withoutHelmLabels)),
      sorted(fromDeploy.filter((o) => o.kind !== 'Namespace')),
    );
    assert.deepEqual(
      fromDeploy.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name),
      ['irsa-webhook'],
      'the only object the chart leaves out is the namespace itself',
    );
    // an empty values file and the committed defaults render the same
    assert.deepEqual(r.objects, (await template(t, helm, chartDefaults())).objects);
  },
);

helmTest(
  'helm template: each TLS mode, failure policy and namespace renders what the renderer makes for it',
  async (t, helm) => {
    const cases: Array<{ values: Record<string, unknown>; ns: string; input: WebhookManifestsInput }> = [
      {
        values: { tls: { mode: 'cert-manager' }, webhook: { failurePolicy: 'Fail' }, replicaCount: 3 },
        ns: 'identity',
        input: { namespace: 'identity', tls: 'cert-manager', failurePolicy: 'Fail', replicas: 3 },
      },
      {
        values: {
          tls: { mode: 'secret', secretName: 'own-tls', caBundle: 'Q0E=' },
          webhook: { defaultRegion: 'ap-south-1', composeRoleArn: { enabled: true, accountId: '111122223333' } },
        },
        ns: 'kube-identity',
        input: {
          namespace: 'kube-identity',
          tls: 'files',
          tlsSecretName: 'own-tls',
          caBundle: 'Q0E=',
          region: 'ap-south-1',
          composeRoleArnAccount: '111122223333',
        },
      },
      {
        values: {
          replicaCount: 1,
          webhook: { annotationPrefix: 'x.example.com', tokenAudience: 'aud', tokenExpiration: 3600 },
        },
        ns: 'irsa',
        input: {
          namespace: 'irsa',
          replicas: 1,
          annotationPrefix: 'x.example.com',
          tokenAudience: 'aud',
          tokenExpiration: 3600,
        },
      },
    ];
    for (const c of cases) {
      const r = await template(t, helm, c.values, c.ns);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(sorted(r.objects.map(withoutHelmLabels)), sorted(rendered(c.input)), JSON.stringify(c.values));
    }
  },
);

/** `irsa issuer watch manifests` for these inputs, minus the Namespace (Helm's). */
function watchRendered(input: IssuerWatchManifestsInput): Obj[] {
  return buildIssuerWatchManifests(input)
    .map((d) => d.object as Obj)
    .filter((o) => o.kind !== 'Namespace');
}

helmTest(
  'helm template, monitor.enabled: the objects `irsa issuer watch manifests` renders for the same inputs',
  async (t, helm) => {
    const webhookOnly = sorted((await template(t, helm, {}, 'irsa-system')).objects);
    const cases: Array<{ values: Record<string, unknown>; ns: string; input: IssuerWatchManifestsInput }> = [
      { values: MONITOR_ON, ns: 'irsa-system', input: { issuer: 'https://oidc.example.com/c1' } },
      {
        values: {
          monitor: {
            enabled: true,
            issuer: 'https://oidc.example.com/prod',
            intervalSeconds: 45,
            canaryRole: 'arn:aws:iam::111122223333:role/irsa-canary',
            awsSecret: 'irsa-watch-aws',
          },
          image: { tag: '2.0.0' },
        },
        ns: 'watch',
        input: {
          issuer: 'https://oidc.example.com/prod',
          namespace: 'watch',
          intervalSeconds: 45,
          canaryRole: 'arn:aws:iam::111122223333:role/irsa-canary',
          awsSecret: 'irsa-watch-aws',
          image: 'ghcr.io/irsa-anywhere/irsa-anywhere:2.0.0',
        },
      },
    ];
    for (const c of cases) {
      const r = await template(t, helm, c.values, c.ns);
      assert.equal(r.code, 0, r.stderr);
      for (const o of r.objects.filter(isWatch))
        assert.equal(o.metadata.labels['app.kubernetes.io/managed-by'], 'Helm');
      const watch = r.objects.filter(isWatch);
      assert.deepEqual(sorted(watch.map(withoutHelmLabels)), sorted(watchRendered(c.input)), JSON.stringify(c.values));
      assert.equal(
        watch
          .map((o) => o.kind)
          .sort()
          .join(' '),
        'ClusterRole ClusterRoleBinding Deployment PrometheusRule Role Role RoleBinding RoleBinding Service ServiceAccount',
      );
    }
    // the webhook's objects are unchanged by monitor.* (default namespace case)
    const on = await template(t, helm, MONITOR_ON, 'irsa-system');
    assert.deepEqual(sorted(on.objects.filter((o) => !isWatch(o))), webhookOnly);
    assert.equal(webhookOnly.filter(isWatch).length, 0, 'monitor.enabled defaults to false');
    // prometheusRule.enabled false drops only the PrometheusRule
    const noRule = await template(
      t,
      helm,
      valuesWith({ ...MONITOR_ON, monitor: { ...MONITOR_ON.monitor, prometheusRule: { enabled: false } } }),
      'irsa-system',
    );
    assert.deepEqual(
      sorted(noRule.objects.filter(isWatch)),
      sorted(on.objects.filter((o) => isWatch(o) && o.kind !== 'PrometheusRule')),
    );
    assert.equal(findWatch(noRule.objects, 'PrometheusRule'), undefined);
  },
);

helmTest('helm template: every value changed, and each one seen where it belongs', async (t, helm) => {
  const all = everyValueChanged();
  const defaults = chartDefaults();
  const get = (o: unknown, path: string) => path.split('.').reduce((x: unknown, k) => (x as Obj)?.[k], o);
  for (const path of leafPaths(chartJsonSchema() as Obj)) {
    assert.notDeepEqual(get(all, path), get(defaults, path), `${path} is changed in the test values`);
  }
  const r = await template(t, helm, all, 'platform');
  assert.equal(r.code, 0, r.stderr);
  const dep = find(r.objects, 'Deployment');
  const pod = dep.spec.template;
  const c = pod.spec.containers[0];
  assert.equal(dep.spec.replicas, 3);
  assert.equal(c.image, `registry.example.com/mirror/irsa/webhook@${DIGEST}`, 'digest wins over the tag');
  assert.equal(c.imagePullPolicy, 'Always');
  assert.deepEqual(pod.spec.imagePullSecrets, all.imagePullSecrets);
  assert.deepEqual(c.resources, all.resources);
  assert.deepEqual(pod.spec.nodeSelector, all.nodeSelector);
  assert.deepEqual(pod.spec.tolerations, all.tolerations);
  assert.deepEqual(pod.spec.affinity, all.affinity);
  assert.deepEqual(pod.spec.topologySpreadConstraints, all.topologySpreadConstraints);
  assert.equal(pod.spec.priorityClassName, 'system-cluster-critical');
  assert.equal(find(r.objects, 'PodDisruptionBudget'), undefined, 'podDisruptionBudget.enabled false');
  assert.deepEqual(pod.metadata.annotations, all.podAnnotations);
  assert.equal(pod.metadata.labels.team, 'platform');
  assert.equal(pod.metadata.labels['irsa-anywhere.io/inject'], 'false', 'the built-in pod labels stay');
  assert.deepEqual(pod.spec.securityContext, all.podSecurityContext);
  assert.deepEqual(c.securityContext, all.securityContext);
  assert.ok(c.args.includes('--sts-regional-endpoint'), 'extraArgs');
  assert.deepEqual(c.env.at(-1), all.extraEnv[0], 'extraEnv after the built-in env');
  assert.equal(c.env[0].name, 'POD_NAME');
  for (const flag of [
    '--annotation-prefix=irsa.example.com',
    '--token-audience=sts.example.com',
    '--token-expiration=12h',
    '--aws-default-region=eu-west-1',
    '--compose-role-arn',
    '--aws-account-id=111122223333',
    '--tls-cert=/etc/webhook/certs/tls.crt',
  ]) {
    assert.ok(c.args.includes(flag), `args have ${flag}: ${c.args.join(' ')}`);
  }
  assert.ok(!c.args.includes('--tls-self-managed'), 'tls.mode secret');
  assert.deepEqual(pod.spec.volumes.find((v: Obj) => v.name === 'certs').secret, { secretName: 'my-webhook-tls' });
  assertWebhookConfig(find(r.objects, 'MutatingWebhookConfiguration'), all);
  // metrics.enabled false: no metrics port anywhere, and no ServiceMonitor even though it is enabled
  assert.deepEqual(
    c.ports.map((p: Obj) => p.name),
    ['https'],
  );
  assert.deepEqual(
    find(r.objects, 'Service').spec.ports.map((p: Obj) => p.name),
    ['https'],
  );
  assert.equal(find(r.objects, 'ServiceMonitor'), undefined);
  assert.equal(find(r.objects, 'Role'), undefined, 'no Secret access outside self-managed TLS');
  assertWatch(r.objects, all);
});

/** monitor.* with every value changed: the watch's inputs, the chart's image and pull secrets, no rule. */
function assertWatch(objects: Obj[], all: ChartValues): void {
  const pod = findWatch(objects, 'Deployment').spec.template.spec;
  const c = pod.containers[0];
  assert.equal(c.image, `registry.example.com/mirror/irsa/webhook@${DIGEST}`, 'the chart image');
  assert.deepEqual(pod.imagePullSecrets, all.imagePullSecrets);
  assert.deepEqual(c.args, [
    'issuer',
    'watch',
    '--issuer',
    all.monitor.issuer,
    '--interval',
    '30s',
    '--metrics-port',
    '9090',
    '--canary-role',
    all.monitor.canaryRole,
  ]);
  assert.deepEqual(c.envFrom, [{ secretRef: { name: 'irsa-watch-aws' } }]);
  assert.equal(findWatch(objects, 'ServiceAccount').metadata.namespace, 'platform');
  assert.equal(findWatch(objects, 'PrometheusRule'), undefined, 'monitor.prometheusRule.enabled false');
}

function assertWebhookConfig(mwc: Obj, all: ChartValues): void {
  const wh = mwc.webhooks[0];
  assert.equal(wh.failurePolicy, 'Fail');
  assert.equal(wh.clientConfig.caBundle, all.tls.caBundle);
  assert.equal(wh.clientConfig.service.namespace, 'platform');
  assert.deepEqual(wh.namespaceSelector, {
    matchExpressions: [
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'platform'] },
      ...(all.webhook.namespaceSelector.matchExpressions ?? []),
    ],
    matchLabels: all.webhook.namespaceSelector.matchLabels,
  });
  assert.equal(wh.objectSelector.matchExpressions.length, 4, 'the three built-in exclusions and the added one');
  assert.deepEqual(wh.objectSelector.matchExpressions[0].values, ['irsa-webhook']);
  assert.deepEqual(wh.objectSelector.matchExpressions.at(-1), all.webhook.objectSelector.matchExpressions?.[0]);
  assert.deepEqual(wh.objectSelector.matchLabels, all.webhook.objectSelector.matchLabels);
}

helmTest(
  'helm template: the values a changed value hides (tag, PDB, ServiceMonitor, selectors alone)',
  async (t, helm) => {
    const tagged = await template(t, helm, valuesWith({ image: { registry: '', tag: '1.2.3' } }));
    assert.equal(
      find(tagged.objects, 'Deployment').spec.template.spec.containers[0].image,
      'irsa-anywhere/irsa-anywhere:1.2.3',
    );
    const pdb = await template(t, helm, valuesWith({ podDisruptionBudget: { minAvailable: '50%' } }));
    assert.equal(find(pdb.objects, 'PodDisruptionBudget').spec.minAvailable, '50%');
    const monitor = await template(
      t,
      helm,
      valuesWith({ metrics: { serviceMonitor: { enabled: true, interval: '30s', labels: { release: 'prom' } } } }),
      'mon',
    );
    const sm = find(monitor.objects, 'ServiceMonitor');
    assert.deepEqual(sm.spec.endpoints, [{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    assert.equal(sm.metadata.labels.release, 'prom');
    assert.deepEqual(sm.spec.namespaceSelector.matchNames, ['mon']);
    assert.deepEqual(sm.spec.selector.matchLabels, find(monitor.objects, 'Service').spec.selector);
    // Ignore with a user namespace selector: only the user's part (kube-system stays in scope)
    const labelsOnly = await template(
      t,
      helm,
      valuesWith({ webhook: { namespaceSelector: { matchLabels: { a: 'b' } } } }),
    );
    assert.deepEqual(find(labelsOnly.objects, 'MutatingWebhookConfiguration').webhooks[0].namespaceSelector, {
      matchLabels: { a: 'b' },
    });
    // maps are merged into the defaults by Helm: one key changes, the rest stay
    const merged = await template(t, helm, valuesWith({ podSecurityContext: { fsGroup: 2000 } }));
    const sc = find(merged.objects, 'Deployment').spec.template.spec.securityContext;
    assert.deepEqual(sc, { ...chartDefaults().podSecurityContext, fsGroup: 2000 });
    // a large number of seconds is printed as an integer, not in exponent form
    const long = await template(t, helm, valuesWith({ webhook: { tokenExpiration: 1_000_000 } }));
    assert.ok(
      find(long.objects, 'Deployment').spec.template.spec.containers[0].args.includes('--token-expiration=1000000'),
    );
  },
);

helmTest(
  'helm refuses wrong types, unknown fields, an unknown tls.mode, and composeRoleArn without an account',
  async (t, helm) => {
    const refused: Array<[Record<string, unknown>, RegExp]> = [
      [{ tls: { mode: 'files' } }, /at '\/tls\/mode': value must be one of 'self-managed', 'cert-manager', 'secret'/],
      [{ replicaCount: 'two' }, /at '\/replicaCount': got string, want integer/],
      [{ replicas: 2 }, /additional properties 'replicas' not allowed/],
      [
        { webhook: { failurePolicy: 'ignore' } },
        /at '\/webhook\/failurePolicy': value must be one of 'Ignore', 'Fail'/,
      ],
      [
        { webhook: { composeRoleArn: { enabled: 'yes' } } },
        /at '\/webhook\/composeRoleArn\/enabled': got string, want boolean/,
      ],
      [{ webhook: { defaultRegion: 'EU West' } }, /at '\/webhook\/defaultRegion'/],
      [{ image: { digest: 'latest' } }, /at '\/image\/digest'/],
      [{ nodeSelector: { zone: 1 } }, /at '\/nodeSelector\/zone': got number, want string/],
      [{ tolerations: { key: 'x' } }, /at '\/tolerations': got object, want array/],
      [{ webhook: { composeRoleArn: { enabled: true } } }, /webhook.composeRoleArn.accountId is required/],
      [{ monitor: { enabled: 'yes' } }, /at '\/monitor\/enabled': got string, want boolean/],
      [{ monitor: { intervalSeconds: '60s' } }, /at '\/monitor\/intervalSeconds': got string, want integer/],
      [{ monitor: { prometheusRule: { enabled: 'on' } } }, /at '\/monitor\/prometheusRule\/enabled'/],
      [{ monitor: { enabled: true } }, /monitor.issuer is required when monitor.enabled is true/],
    ];
    for (const [patch, message] of refused) {
      const r = await template(t, helm, valuesWith(patch));
      assert.notEqual(r.code, 0, JSON.stringify(patch));
      assert.match(r.stderr, message, JSON.stringify(patch));
    }
  },
);

helmTest('helm package: the packaged chart carries the schema and renders as the folder does', async (t, helm) => {
  const dir = tempDir(t, 'irsa-helm-pkg-');
  const r = await run(helm, ['package', CHART, '--destination', dir]);
  assert.equal(r.code, 0, r.stderr);
  const tgz = join(dir, 'irsa-anywhere-0.1.0.tgz');
  const list = await run('tar', ['-tzf', tgz]);
  for (const f of ['Chart.yaml', 'values.yaml', 'values.schema.json', 'README.md', 'templates/deployment.yaml']) {
    assert.ok(list.stdout.split('\n').includes(`irsa-anywhere/${f}`), f);
  }
  const values = everyValueChanged();
  assert.deepEqual((await template(t, helm, values, 'p', tgz)).objects, (await template(t, helm, values, 'p')).objects);
  const refused = await template(t, helm, valuesWith({ tls: { mode: 'files' } }), 'p', tgz);
  assert.match(refused.stderr, /tls\/mode/, 'the packaged chart validates too');
  // `helm install` (client-side dry run: no cluster here) prints the notes, and refuses a wrong value
  const install = ['install', 'irsa-anywhere', tgz, '--namespace', 'irsa-webhook', '--dry-run=client'];
  const installed = await run(helm, [...install, '--set', 'tls.mode=secret']);
  assert.equal(installed.code, 0, installed.stderr);
  assert.match(installed.stdout, /kubectl -n irsa-webhook rollout status deploy\/irsa-webhook/);
  assert.match(installed.stdout, /tls.caBundle is empty/);
  const watched = await run(helm, [
    ...install,
    '--set',
    'monitor.enabled=true',
    '--set',
    'monitor.issuer=https://i.example',
  ]);
  assert.equal(watched.code, 0, watched.stderr);
  assert.match(
    watched.stdout,
    /rollout status deploy\/irsa-issuer-watch; metrics on Service irsa-issuer-watch:9090 \(no monitor.awsSecret/,
  );
  assert.doesNotMatch(installed.stdout, /Issuer watch/, 'monitor.enabled defaults to false');
  const wrong = await run(helm, [...install, '--set', 'tls.mode=files']);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /at '\/tls\/mode': value must be one of/);
  const shown = await run(helm, ['show', 'values', tgz]);
  assert.deepEqual(parse(shown.stdout), chartDefaults());
});

helmTest(
  'helm template output is valid Kubernetes objects (kubectl create --dry-run=client, object by object)',
  async (t, helm) => {
    const discovery = await startDiscovery();
    t.after(() => discovery.close());
    const cache = tempDir(t, 'irsa-kubectl-cache-');
    const sets: Array<Record<string, unknown>> = [
      {},
      everyValueChanged(),
      valuesWith({ tls: { mode: 'cert-manager' }, metrics: { serviceMonitor: { enabled: true } } }),
      valuesWith({ tls: { mode: 'secret' }, replicaCount: 1, webhook: { failurePolicy: 'Fail' } }),
      valuesWith(MONITOR_ON),
    ];
    const kinds = new Set<string>();
    for (const values of sets) {
      const r = await template(t, helm, values, 'checked');
      assert.equal(r.code, 0, r.stderr);
      for (const o of r.objects) {
        const args = [
          '--server',
          discovery.url,
          '--cache-dir',
          cache,
          'create',
          '--dry-run=client',
          '--validate=false',
        ];
        const k = await run('kubectl', [...args, '-o', 'yaml', '-f', '-'], JSON.stringify(o));
        assert.equal(k.code, 0, `${key(o)}: ${k.stderr}`);
        assert.deepEqual(parse(k.stdout), o, `${key(o)} decodes as the same object`);
        kinds.add(o.kind);
      }
    }
    const every =
      'Certificate ClusterRole ClusterRoleBinding Deployment Issuer MutatingWebhookConfiguration PodDisruptionBudget PrometheusRule Role RoleBinding Service ServiceAccount ServiceMonitor';
    assert.equal([...kinds].sort().join(' '), every, 'every kind the chart can render was checked');
    // the check can fail: an apiVersion Kubernetes no longer serves is refused
    const old = await run(
      'kubectl',
      [
        '--server',
        discovery.url,
        '--cache-dir',
        cache,
        'create',
        '--dry-run=client',
        '--validate=false',
        '-o',
        'yaml',
        '-f',
        '-',
      ],
      JSON.stringify({
        apiVersion: 'policy/v1beta1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'x', namespace: 'checked' },
      }),
    );
    assert.notEqual(old.code, 0);
    assert.match(old.stderr, /no matches for kind "PodDisruptionBudget" in version "policy\/v1beta1"/);
  },
);
