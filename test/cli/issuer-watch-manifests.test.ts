// `irsa issuer watch manifests`: the deploy/issuer-watch/ kustomize base equals the command's default rendering,
// kubectl accepts every object (create --dry-run=client against the local test apiserver), the RBAC is exactly the
// least privilege the watch needs, and the alerts name only metrics the watch exports.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { ROOT, runCli, runProcess, tempDir } from '../support/cli.js';
import { METRIC_NAMES } from '../support/issuer-world.js';
import { startKubeApiServer } from '../support/kube-apiserver.js';

type Obj = { kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };
const PLACEHOLDER = 'https://oidc.example.com/cluster-1';
const objects = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Obj);

async function render(args: string[] = ['--issuer', PLACEHOLDER]) {
  const r = await runCli(['issuer', 'watch', 'manifests', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('deploy/issuer-watch/ renders exactly what `irsa issuer watch manifests` prints by default', async () => {
  const kustomize = spawnSync('kubectl', ['kustomize', join(ROOT, 'deploy/issuer-watch')], { encoding: 'utf8' });
  assert.equal(kustomize.status, 0, kustomize.stderr);
  const key = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const sorted = (list: Obj[]) => [...list].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  assert.deepEqual(sorted(objects(kustomize.stdout)), sorted(objects(await render())));
});

test('kubectl create --dry-run=client accepts every object', async (t) => {
  const kube = await startKubeApiServer();
  t.after(() => kube.close());
  const dir = tempDir(t);
  const file = join(dir, 'watch.yaml');
  writeFileSync(
    file,
    await render([
      '--issuer',
      PLACEHOLDER,
      '--canary-role',
      'arn:aws:iam::111122223333:role/irsa-canary',
      '--aws-secret',
      'irsa-watch-aws',
    ]),
  );
  const r = await runProcess(
    'kubectl',
    [
      '--kubeconfig',
      kube.writeKubeconfig(dir),
      'create',
      '--dry-run=client',
      '--validate=false',
      '-f',
      file,
      '-o',
      'name',
    ],
    { env: { ...process.env, HOME: dir } },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 11);
  assert.match(r.stdout, /^prometheusrule\.monitoring\.coreos\.com\/irsa-issuer-watch$/m);
});

test('RBAC: discovery paths, the kubernetes EndpointSlice by name, Events, and a token for itself only', async () => {
  const rules = Object.fromEntries(
    objects(await render())
      .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')
      .map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o.rules]),
  );
  assert.deepEqual(rules, {
    'ClusterRole//irsa-issuer-watch-discovery': [
      { nonResourceURLs: ['/.well-known/openid-configuration', '/openid/v1/jwks'], verbs: ['get'] },
    ],
    'Role/default/irsa-issuer-watch-endpoints': [
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], resourceNames: ['kubernetes'], verbs: ['get'] },
      { apiGroups: [''], resources: ['endpoints'], resourceNames: ['kubernetes'], verbs: ['get'] },
    ],
    'Role/irsa-system/irsa-issuer-watch': [
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
      {
        apiGroups: [''],
        resources: ['serviceaccounts/token'],
        resourceNames: ['irsa-issuer-watch'],
        verbs: ['create'],
      },
    ],
  });
});

test('the PrometheusRule: the eight alerts, critical where an outage is certain, on exported metrics only', async () => {
  const rule = objects(await render(['--issuer', PLACEHOLDER, '--interval', '2m'])).find(
    (o) => o.kind === 'PrometheusRule',
  );
  const alerts = (
    (rule as Obj).spec as {
      groups: { rules: { alert: string; expr: string; for: string; labels: { severity: string } }[] }[];
    }
  ).groups[0].rules;
  assert.deepEqual(
    alerts.map((a) => [a.alert, a.labels.severity, a.for]),
    [
      ['IrsaSigningKeyUnpublished', 'critical', '5m'],
      ['IrsaStsProbeFailing', 'critical', '10m'],
      ['IrsaPublishedJwksDrift', 'warning', '15m'],
      ['IrsaApiserverKeysetSplit', 'warning', '30m'],
      ['IrsaIssuerUnreachable', 'warning', '10m'],
      ['IrsaIamProviderMismatch', 'warning', '1h'],
      ['IrsaIssuerCertExpiring', 'warning', '1h'],
      ['IrsaMonitorDown', 'warning', '5m'],
    ],
  );
  for (const a of alerts) {
    for (const name of a.expr.match(/\birsa_[a-z_]+/g) ?? [])
      assert.ok(METRIC_NAMES.includes(name), `${a.alert}: ${name}`);
  }
  // Stale for more than three intervals (2 minutes each).
  assert.match(alerts[7].expr, /> 360$/);
});

test('without --issuer: a usage error, exit 1', async () => {
  const r = await runCli(['issuer', 'watch', 'manifests']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--issuer is required/);
});

// Reproduction: `--canary-role bad` went into the Deployment's args (the watch then failed the canary forever), and
// `--aws-secret` / `--image` took any text, kubectl refusing it later, if at all.
test('a bad --canary-role, --aws-secret or --image: refused in words naming the flag, nothing printed, exit 1', async () => {
  const cases: [string[], string, RegExp][] = [
    [['--canary-role', 'bad'], 'ERR_ROLE_ARN', /^--canary-role must be an IAM role ARN .*got: bad$/],
    [['--canary-role', 'arn:aws:iam::111122223333:user/x'], 'ERR_ROLE_ARN', /^--canary-role must be an IAM role ARN/],
    [['--aws-secret', 'Bad_Name'], 'ERR_K8S_NAME', /^--aws-secret must be a DNS-1123 subdomain/],
    [['--image', 'ghcr.io/x y'], 'ERR_USAGE', /^--image must be an image reference/],
  ];
  for (const [args, code, message] of cases) {
    const r = await runCli(['--output', 'json', 'issuer', 'watch', 'manifests', '--issuer', PLACEHOLDER, ...args]);
    assert.equal(r.code, 1, r.stdout);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(report), ['command', 'ok', 'error', 'warnings']);
    assert.equal(report.error.code, code);
    assert.match(report.error.message, message);
  }
  const ok = await render([
    '--issuer',
    PLACEHOLDER,
    '--canary-role',
    'arn:aws:iam::111122223333:role/irsa/canary',
    '--aws-secret',
    'irsa-aws',
    '--image',
    'registry.local:5000/irsa/irsa-anywhere:0.1.0@sha256:0123abcd',
  ]);
  assert.match(ok, /arn:aws:iam::111122223333:role\/irsa\/canary/);
});
