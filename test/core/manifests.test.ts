import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { IrsaError } from '../../src/core/errors.js';
import { buildDiscoveryRbac } from '../../src/core/manifests/discovery-rbac.js';
import { renderYamlDocuments } from '../../src/core/manifests/render.js';
import { buildWebhookManifests, webhookServeArgs } from '../../src/core/manifests/webhook.js';
import { buildWorkload } from '../../src/core/manifests/workload.js';

const ARN = 'arn:aws:iam::111122223333:role/app@default';
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is walked freely in tests
type Obj = Record<string, any>;
const objects = (docs: { object: unknown }[]) => docs.map((d) => d.object as Obj);
const byKind = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
const isCode = (code: string) => (e: unknown) => e instanceof IrsaError && e.code === code;

test('workload manual: ServiceAccount without role annotation, ConfigMap env, Pod with projected token', () => {
  const r = buildWorkload({
    namespace: 'team-a',
    serviceAccount: 'app',
    roleArn: ARN,
    mode: 'manual',
    region: 'eu-west-1',
  });
  const [sa, cm, pod] = objects(r.docs);
  assert.equal(sa.kind, 'ServiceAccount');
  assert.equal(sa.metadata.annotations, undefined);
  assert.match(r.docs[0].comment ?? '', /No eks\.amazonaws\.com\/role-arn annotation on purpose/);
  assert.equal(cm.kind, 'ConfigMap');
  assert.deepEqual(cm.data, {
    AWS_ROLE_ARN: ARN,
    AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_REGION: 'eu-west-1',
    AWS_STS_REGIONAL_ENDPOINTS: 'regional',
  });
  assert.equal(pod.kind, 'Pod');
  assert.equal(pod.metadata.namespace, 'team-a');
  assert.equal(pod.spec.serviceAccountName, 'app');
  assert.ok(pod.spec.securityContext.fsGroup > 0);
  const c = pod.spec.containers[0];
  assert.deepEqual(c.envFrom, [{ configMapRef: { name: cm.metadata.name } }]);
  assert.deepEqual(c.volumeMounts, [
    { name: 'aws-iam-token', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount', readOnly: true },
  ]);
  assert.deepEqual(pod.spec.volumes, [
    {
      name: 'aws-iam-token',
      projected: {
        sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }],
      },
    },
  ]);
  assert.deepEqual(r.warnings, []);
});

test('workload manual: custom token path, audience and expiration; no region warns and leaves region out', () => {
  const r = buildWorkload({
    namespace: 'ns',
    serviceAccount: 'app',
    roleArn: ARN,
    mode: 'manual',
    audience: 'cluster.identifier.kubernetes.domain',
    expirationSeconds: 600,
    tokenPath: '/var/run/secrets/k8s-aws/serviceaccount/jwt',
  });
  const [, cm, pod] = objects(r.docs);
  assert.equal(cm.data.AWS_REGION, undefined);
  assert.equal(cm.data.AWS_WEB_IDENTITY_TOKEN_FILE, '/var/run/secrets/k8s-aws/serviceaccount/jwt');
  assert.equal(pod.spec.containers[0].volumeMounts[0].mountPath, '/var/run/secrets/k8s-aws/serviceaccount');
  assert.deepEqual(pod.spec.volumes[0].projected.sources[0].serviceAccountToken, {
    audience: 'cluster.identifier.kubernetes.domain',
    expirationSeconds: 600,
    path: 'jwt',
  });
  assert.ok(r.warnings.some((w) => /no region/.test(w)));
  assert.ok(r.warnings.some((w) => /client ID/.test(w)));
});

test('workload webhook: only the annotated ServiceAccount, non-default annotations only', () => {
  const plain = objects(buildWorkload({ namespace: 'ns', serviceAccount: 'app', roleArn: ARN, mode: 'webhook' }).docs);
  assert.equal(plain.length, 1);
  assert.deepEqual(plain[0].metadata.annotations, { 'eks.amazonaws.com/role-arn': ARN });
  const custom = objects(
    buildWorkload({
      namespace: 'ns',
      serviceAccount: 'app',
      roleArn: ARN,
      mode: 'webhook',
      audience: 'other',
      expirationSeconds: 3600,
      region: 'us-east-2',
      regionExplicit: true,
    }).docs,
  );
  assert.deepEqual(custom[0].metadata.annotations, {
    'eks.amazonaws.com/role-arn': ARN,
    'eks.amazonaws.com/audience': 'other',
    'eks.amazonaws.com/token-expiration': '3600',
    'eks.amazonaws.com/region': 'us-east-2',
  });
  // a region only found in the environment is not written onto the ServiceAccount
  const fromEnv = objects(
    buildWorkload({ namespace: 'ns', serviceAccount: 'app', roleArn: ARN, mode: 'webhook', region: 'us-east-2' }).docs,
  );
  assert.equal(fromEnv[0].metadata.annotations['eks.amazonaws.com/region'], undefined);
});

test('workload rejects bad ARN, names, expiration, token path', () => {
  const base = { namespace: 'ns', serviceAccount: 'app', roleArn: ARN, mode: 'manual' as const };
  assert.throws(() => buildWorkload({ ...base, roleArn: 'arn:aws:iam::123:role/x' }), isCode('ERR_ROLE_ARN'));
  assert.throws(() => buildWorkload({ ...base, roleArn: 'arn:aws:iam::111122223333:user/x' }), isCode('ERR_ROLE_ARN'));
  assert.throws(() => buildWorkload({ ...base, namespace: 'Team_A' }), isCode('ERR_K8S_NAME'));
  assert.throws(() => buildWorkload({ ...base, namespace: 'a.b' }), isCode('ERR_K8S_NAME'));
  assert.throws(() => buildWorkload({ ...base, serviceAccount: '-app' }), isCode('ERR_K8S_NAME'));
  assert.doesNotThrow(() => buildWorkload({ ...base, serviceAccount: 'app.v2' }));
  assert.throws(() => buildWorkload({ ...base, expirationSeconds: 599 }), isCode('ERR_TOKEN_EXPIRATION'));
  assert.throws(() => buildWorkload({ ...base, tokenPath: 'relative/token' }), isCode('ERR_TOKEN_PATH'));
  assert.throws(() => buildWorkload({ ...base, tokenPath: '/var/run/dir/' }), isCode('ERR_TOKEN_PATH'));
  assert.throws(
    () => buildWorkload({ ...base, tokenPath: '/var/run/secrets/kubernetes.io/serviceaccount/aws' }),
    isCode('ERR_TOKEN_PATH'),
  );
});

test('workload: a region that is no region name is refused in both modes (issue 9.3)', () => {
  for (const mode of ['manual', 'webhook'] as const) {
    for (const region of ['EU West', 'bad region!']) {
      const base = { namespace: 'ns', serviceAccount: 'app', roleArn: ARN, mode, region };
      assert.throws(() => buildWorkload({ ...base, regionExplicit: true }), isCode('ERR_REGION'), `${mode} ${region}`);
      assert.throws(() => buildWorkload(base), /\$AWS_REGION/, 'a bad region from the environment names it');
    }
  }
});

test('workload webhook mode: --image does nothing there, so it warns', () => {
  const r = buildWorkload({ namespace: 'ns', serviceAccount: 'app', roleArn: ARN, mode: 'webhook', image: 'x/y:1' });
  assert.ok(r.warnings.some((w) => /--image is ignored in webhook mode/.test(w)));
});

test('discovery-rbac: binds the discovery ClusterRole to system:unauthenticated; alternative limited to two paths', () => {
  const { docs, alternative } = buildDiscoveryRbac();
  const [crb] = objects(docs);
  assert.equal(crb.kind, 'ClusterRoleBinding');
  assert.equal(crb.roleRef.name, 'system:service-account-issuer-discovery');
  assert.deepEqual(crb.subjects, [
    { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:unauthenticated' },
  ]);
  const yamlPart = alternative.slice(alternative.indexOf('apiVersion:'), alternative.indexOf('\n\nWith this'));
  const [cfg] = parseAllDocuments(yamlPart).map((d) => d.toJS());
  assert.equal(cfg.kind, 'AuthenticationConfiguration');
  assert.match(cfg.apiVersion, /^apiserver\.config\.k8s\.io\/v1(beta1)?$/);
  assert.deepEqual(cfg.anonymous, {
    enabled: true,
    conditions: [{ path: '/.well-known/openid-configuration' }, { path: '/openid/v1/jwks' }],
  });
  assert.match(alternative, /--authentication-config/);
});

test('webhook manifests (defaults): every object, selectors match labels, least-privilege RBAC', () => {
  const { docs, notes } = buildWebhookManifests();
  const objs = objects(docs);
  assert.deepEqual(
    objs.map((o) => `${o.kind}/${o.metadata.name}`),
    [
      'Namespace/irsa-webhook',
      'ServiceAccount/irsa-webhook',
      'ClusterRole/irsa-webhook',
      'ClusterRoleBinding/irsa-webhook',
      'Role/irsa-webhook',
      'RoleBinding/irsa-webhook',
      'Deployment/irsa-webhook',
      'PodDisruptionBudget/irsa-webhook',
      'Service/irsa-webhook',
      'MutatingWebhookConfiguration/irsa-webhook',
    ],
  );
  const [deploy] = byKind(objs, 'Deployment');
  const podLabels = deploy.spec.template.metadata.labels;
  const matches = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => podLabels[k] === v);
  assert.ok(matches(deploy.spec.selector.matchLabels));
  assert.ok(matches(byKind(objs, 'Service')[0].spec.selector));
  assert.ok(matches(byKind(objs, 'PodDisruptionBudget')[0].spec.selector.matchLabels));
  assert.equal(byKind(objs, 'PodDisruptionBudget')[0].spec.minAvailable, 1);
  assert.equal(deploy.spec.replicas, 2);
  const spec = deploy.spec.template.spec;
  assert.equal(spec.securityContext.runAsNonRoot, true);
  assert.equal(spec.securityContext.runAsUser, 65532);
  assert.equal(spec.securityContext.seccompProfile.type, 'RuntimeDefault');
  assert.equal(
    spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey,
    'kubernetes.io/hostname',
  );
  const c = spec.containers[0];
  assert.deepEqual(c.securityContext, {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
  });
  assert.ok(c.resources.requests && c.resources.limits);
  assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'https', scheme: 'HTTPS' });
  assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'https', scheme: 'HTTPS' });
  assert.deepEqual(
    c.ports.map((p: Obj) => [p.name, p.containerPort]),
    [
      ['https', 8443],
      ['metrics', 9999],
    ],
  );
  assert.deepEqual(c.args.slice(0, 2), ['webhook', 'serve']);
  assert.ok(c.args.includes('--tls-self-managed'));
  assert.ok(c.args.includes('--tls-secret=irsa-webhook/irsa-webhook-tls'));
  const svc = byKind(objs, 'Service')[0];
  assert.deepEqual(svc.spec.ports[0], { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' });

  // RBAC: ServiceAccounts read-only cluster-wide; only its own Secret and webhook configuration by name
  const [cr] = byKind(objs, 'ClusterRole');
  assert.deepEqual(cr.rules[0], { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list', 'watch'] });
  assert.deepEqual(cr.rules[1].resourceNames, ['irsa-webhook']);
  assert.ok(!cr.rules.some((r: Obj) => r.verbs.includes('*') || r.resources.includes('*')));
  const [role] = byKind(objs, 'Role');
  assert.deepEqual(role.rules[0].resourceNames, ['irsa-webhook-tls']);
  assert.deepEqual(role.rules[1], { apiGroups: [''], resources: ['secrets'], verbs: ['create'] });
  assert.match(
    docs.find((d) => (d.object as Obj).kind === 'Role')?.comment ?? '',
    /cannot be limited by resourceNames/,
  );
  for (const b of [...byKind(objs, 'ClusterRoleBinding'), ...byKind(objs, 'RoleBinding')]) {
    assert.deepEqual(b.subjects, [{ kind: 'ServiceAccount', name: 'irsa-webhook', namespace: 'irsa-webhook' }]);
  }

  const [mwc] = byKind(objs, 'MutatingWebhookConfiguration');
  assert.equal(mwc.apiVersion, 'admissionregistration.k8s.io/v1');
  const wh = mwc.webhooks[0];
  assert.equal(wh.sideEffects, 'None');
  assert.deepEqual(wh.admissionReviewVersions, ['v1', 'v1beta1']);
  assert.equal(wh.failurePolicy, 'Ignore');
  assert.equal(wh.namespaceSelector, undefined, 'kube-system stays included with Ignore');
  assert.deepEqual(wh.rules, [
    { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' },
  ]);
  assert.deepEqual(wh.clientConfig, {
    service: { name: 'irsa-webhook', namespace: 'irsa-webhook', path: '/mutate', port: 443 },
  });
  // objectSelector: excludes the webhook's own pods and honours both opt-out labels
  const selects = (labels: Record<string, string>) =>
    wh.objectSelector.matchExpressions.every((e: Obj) =>
      e.operator === 'DoesNotExist'
        ? !(e.key in labels)
        : e.operator === 'NotIn'
          ? !e.values.includes(labels[e.key])
          : assert.fail(`unexpected operator ${e.operator}`),
    );
  assert.equal(selects({ app: 'x' }), true);
  assert.equal(selects(podLabels), false, "the webhook's own pods are excluded");
  assert.equal(selects({ 'app.kubernetes.io/name': 'irsa-webhook' }), false);
  assert.equal(selects({ 'irsa-anywhere.io/inject': 'false' }), false);
  assert.equal(selects({ 'irsa-anywhere.io/inject': 'true' }), true);
  assert.equal(selects({ 'eks.amazonaws.com/skip-pod-identity-webhook': '' }), false);
  assert.ok(notes.some((n) => /kube-system stays included/.test(n)));
  assert.ok(notes.some((n) => /--fail-closed/.test(n)));
});

test('webhook manifests: Fail excludes kube-system and its own namespace, with the reason', () => {
  const { docs, notes } = buildWebhookManifests({ failurePolicy: 'Fail', namespace: 'identity' });
  const [mwc] = byKind(objects(docs), 'MutatingWebhookConfiguration');
  assert.equal(mwc.webhooks[0].failurePolicy, 'Fail');
  assert.deepEqual(mwc.webhooks[0].namespaceSelector, {
    matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'identity'] }],
  });
  assert.ok(notes.some((n) => /kube-system and identity are excluded/.test(n)));
  for (const o of objects(docs))
    if (o.kind !== 'Namespace' && o.metadata.namespace) assert.equal(o.metadata.namespace, 'identity');
});

test('webhook manifests: TLS modes', () => {
  const cm = buildWebhookManifests({ tls: 'cert-manager' });
  const cmObjs = objects(cm.docs);
  const [issuer] = byKind(cmObjs, 'Issuer');
  const [cert] = byKind(cmObjs, 'Certificate');
  assert.deepEqual(issuer.spec, { selfSigned: {} });
  assert.equal(cert.spec.issuerRef.name, issuer.metadata.name);
  assert.ok(cert.spec.dnsNames.includes('irsa-webhook.irsa-webhook.svc'));
  const [mwc] = byKind(cmObjs, 'MutatingWebhookConfiguration');
  assert.equal(mwc.metadata.annotations['cert-manager.io/inject-ca-from'], `irsa-webhook/${cert.metadata.name}`);
  const [deploy] = byKind(cmObjs, 'Deployment');
  const vol = deploy.spec.template.spec.volumes.find((v: Obj) => v.secret);
  assert.equal(vol.secret.secretName, cert.spec.secretName);
  assert.ok(deploy.spec.template.spec.containers[0].args.includes('--tls-cert=/etc/webhook/certs/tls.crt'));
  assert.equal(byKind(cmObjs, 'Role').length, 0, 'no Secret access needed without self-managed TLS');
  assert.equal(byKind(cmObjs, 'ClusterRole')[0].rules.length, 1);

  const files = buildWebhookManifests({ tls: 'files' });
  const [fmwc] = byKind(objects(files.docs), 'MutatingWebhookConfiguration');
  assert.equal(fmwc.webhooks[0].clientConfig.caBundle, undefined);
  assert.ok(files.notes.some((n) => /caBundle is not set/.test(n)));
  const withCa = buildWebhookManifests({ tls: 'files', caBundle: 'Q0E=' });
  assert.equal(
    byKind(objects(withCa.docs), 'MutatingWebhookConfiguration')[0].webhooks[0].clientConfig.caBundle,
    'Q0E=',
  );
  assert.throws(() => buildWebhookManifests({ tls: 'cert-manager', caBundle: 'Q0E=' }), isCode('ERR_USAGE'));
  assert.deepEqual(webhookServeArgs('x', 'files').slice(0, 2), ['--port=8443', '--metrics-port=9999']);
});

test('webhook manifests: region and role-name account become serve flags; bad values refused', () => {
  const args = (input: Parameters<typeof buildWebhookManifests>[0]) =>
    byKind(objects(buildWebhookManifests(input).docs), 'Deployment')[0].spec.template.spec.containers[0].args;
  const plain = args({});
  assert.ok(!plain.some((a: string) => /region|compose|account/.test(a)), 'nothing unless asked');
  const withAws = args({ region: 'eu-west-1', composeRoleArnAccount: '111122223333' });
  for (const a of ['--aws-default-region=eu-west-1', '--compose-role-arn', '--aws-account-id=111122223333']) {
    assert.ok(withAws.includes(a), a);
  }
  assert.throws(() => buildWebhookManifests({ region: 'EU West' }), isCode('ERR_REGION'));
  assert.throws(() => buildWebhookManifests({ composeRoleArnAccount: '1234' }), isCode('ERR_ACCOUNT_ID'));
});

test('webhook manifests: replicas 1 has no PDB and warns; bad inputs refused', () => {
  const one = buildWebhookManifests({ replicas: 1 });
  assert.equal(byKind(objects(one.docs), 'PodDisruptionBudget').length, 0);
  assert.ok(one.warnings.some((w) => /PodDisruptionBudget/.test(w)));
  assert.throws(() => buildWebhookManifests({ replicas: 0 }), isCode('ERR_REPLICAS'));
  assert.throws(() => buildWebhookManifests({ namespace: 'Bad_NS' }), isCode('ERR_K8S_NAME'));
  assert.throws(() => buildWebhookManifests({ failurePolicy: 'Maybe' as 'Fail' }), isCode('ERR_FAILURE_POLICY'));
});

test('render: multi-document YAML with comments parses back to the same objects', () => {
  const { docs } = buildWebhookManifests();
  const text = renderYamlDocuments(docs, 'header line');
  assert.ok(text.startsWith('# header line'));
  const parsed = parseAllDocuments(text).map((d) => d.toJS());
  assert.deepEqual(parsed, objects(docs));
});
