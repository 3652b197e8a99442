import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { deployFiles } from '../../src/core/manifests/deploy-files.js';
import { ROOT, runCli, tempDir } from '../support/cli.js';

const ISSUER = 'https://oidc.example.com/c1';
const OLD = 'https://kubernetes.default.svc.cluster.local';
const ARN = 'arn:aws:iam::111122223333:role/app@default';
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is walked freely in tests
type Obj = Record<string, any>;
type Arg = { name: string; value: string };

/** The flags as kube-apiserver would receive them, read back from what a user pastes. */
function flagsFromStdout(distro: string, stdout: string): Arg[] {
  const pairs = (list: string[]) =>
    list.map((p) => ({ name: p.slice(0, p.indexOf('=')).replace(/^--/, ''), value: p.slice(p.indexOf('=') + 1) }));
  const extra = (e: unknown): Arg[] =>
    Array.isArray(e) ? e : Object.entries(e as Record<string, string>).map(([name, value]) => ({ name, value }));
  if (distro === 'generic' || distro === 'microk8s') return pairs(stdout.trim().split('\n'));
  const doc = parse(stdout) as Obj;
  switch (distro) {
    case 'k3s':
    case 'rke2':
      return pairs(doc['kube-apiserver-arg']);
    case 'kubeadm':
      return extra(doc.apiServer.extraArgs);
    case 'kind':
      return extra(parse(doc.kubeadmConfigPatches.at(-1)).apiServer.extraArgs);
    case 'k0s':
      return extra(doc.spec.api.extraArgs);
    case 'talos':
      return extra(doc.cluster.apiServer.extraArgs);
  }
  throw new Error(distro);
}
const values = (args: Arg[], name: string) => args.filter((a) => a.name === name).map((a) => a.value);

test('issuer apiserver-flags: every distro, pasted output carries the exact flags', async () => {
  const expectKeys: Record<string, string[] | undefined> = {
    generic: ['/etc/kubernetes/pki/sa.pub'],
    kubeadm: ['/etc/kubernetes/pki/sa.pub'],
    kind: ['/etc/kubernetes/pki/sa.pub'],
    k0s: ['/var/lib/k0s/pki/sa.pub'],
    k3s: ['/var/lib/rancher/k3s/server/tls/service.key'],
    rke2: ['/var/lib/rancher/rke2/server/tls/service.key'],
    microk8s: ['/var/snap/microk8s/current/certs/serviceaccount.key'],
    talos: [],
  };
  const mapTyped = new Set(['k0s', 'talos']);
  await Promise.all(
    Object.entries(expectKeys).map(async ([distro, keys]) => {
      const r = await runCli([
        'issuer',
        'apiserver-flags',
        '--distro',
        distro,
        '--issuer',
        ISSUER,
        '--previous-issuer',
        OLD,
      ]);
      assert.equal(r.code, 0, `${distro}: ${r.stderr}`);
      const args = flagsFromStdout(distro, r.stdout);
      const issuers = values(args, 'service-account-issuer');
      assert.deepEqual(issuers, mapTyped.has(distro) ? [ISSUER] : [ISSUER, OLD], distro);
      assert.deepEqual(values(args, 'service-account-jwks-uri'), [`${ISSUER}/openid/v1/jwks`], distro);
      assert.deepEqual(values(args, 'service-account-key-file'), keys, distro);
      const audiences = values(args, 'api-audiences')[0].split(',');
      assert.ok(audiences.includes(OLD), `${distro}: previous issuer pinned as audience`);
      assert.ok(!audiences.some((a) => /amazonaws/.test(a)), distro);
      if (mapTyped.has(distro)) assert.match(r.stdout, /cannot be repeated/, `${distro}: explicit note in the YAML`);
      if (distro === 'generic' || distro === 'microk8s') {
        assert.doesNotMatch(r.stdout, /#/, 'flag lines stay pasteable');
        assert.match(r.stderr, /note: --api-audiences is pinned/);
      } else {
        assert.match(r.stdout, /^# .*--api-audiences is pinned/m);
      }
    }),
  );
});

test('issuer apiserver-flags: kubeadm v1beta3 note, rotation keys, json output', async () => {
  const v3 = await runCli([
    'issuer',
    'apiserver-flags',
    '--distro',
    'kubeadm',
    '--kubeadm-api',
    'v1beta3',
    '--issuer',
    ISSUER,
    '--previous-issuer',
    OLD,
  ]);
  assert.equal(v3.code, 0, v3.stderr);
  assert.equal(parse(v3.stdout).apiVersion, 'kubeadm.k8s.io/v1beta3');
  assert.match(v3.stdout, /cannot be repeated/);
  assert.match(v3.stdout, /kube-apiserver0\+json\.yaml/);

  const json = await runCli([
    '--output',
    'json',
    'issuer',
    'apiserver-flags',
    '--distro',
    'k3s',
    '--issuer',
    ISSUER,
    '--signing-key',
    '/keys/new.key',
    '--public-key',
    '/keys/old.pub',
    '/keys/new.pub',
    '--max-token-expiration',
    '24h',
  ]);
  assert.equal(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout);
  assert.equal(out.ok, true);
  assert.equal(out.data.distro, 'k3s');
  assert.ok(Array.isArray(out.data.notes) && out.data.notes.length > 0);
  assert.deepEqual(
    out.data.document['kube-apiserver-arg'],
    out.data.args.map((a: Arg) => `${a.name}=${a.value}`),
  );
  assert.deepEqual(values(out.data.args, 'service-account-key-file'), ['/keys/old.pub', '/keys/new.pub']);
  assert.deepEqual(values(out.data.args, 'service-account-signing-key-file'), ['/keys/new.key']);
  assert.deepEqual(values(out.data.args, 'service-account-max-token-expiration'), ['24h']);
});

async function assertOneLineError(args: string[], pattern: RegExp) {
  const r = await runCli(args);
  assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
}

test('rejected inputs exit 1 with one line', async () => {
  await Promise.all([
    assertOneLineError(
      ['manifests', 'workload', '--namespace', 'ns', '--service-account', 'app', '--role-arn', 'arn:aws:iam::1:role/x'],
      /--role-arn must be an IAM role ARN/,
    ),
    assertOneLineError(
      [
        'manifests',
        'workload',
        '--namespace',
        'ns',
        '--service-account',
        'app',
        '--role-arn',
        ARN,
        '--expiration',
        '599',
      ],
      /--expiration must be at least 600/,
    ),
    assertOneLineError(
      ['manifests', 'workload', '--namespace', 'Bad_NS', '--service-account', 'app', '--role-arn', ARN],
      /--namespace must be a DNS-1123 label/,
    ),
    assertOneLineError(
      ['issuer', 'apiserver-flags', '--distro', 'k3s', '--issuer', 'http://oidc.example.com'],
      /https/,
    ),
    assertOneLineError(
      [
        'issuer',
        'apiserver-flags',
        '--distro',
        'k3s',
        '--issuer',
        ISSUER,
        '--api-audiences',
        'k3s',
        'sts.amazonaws.com',
      ],
      /--api-audiences must not contain sts\.amazonaws\.com/,
    ),
    assertOneLineError(
      ['issuer', 'apiserver-flags', '--distro', 'generic', '--issuer', ISSUER, '--max-token-expiration', '30m'],
      /between 1 hour and 2\^32 seconds/,
    ),
    assertOneLineError(['webhook', 'manifests', '--replicas', '0'], /--replicas must be a whole number >= 1/),
  ]);
});

test('manifests workload: manual YAML with region from the environment; webhook mode', async () => {
  const env = { AWS_REGION: '', AWS_DEFAULT_REGION: 'ap-southeast-2' };
  const r = await runCli(
    ['manifests', 'workload', '--namespace', 'default', '--service-account', 'test-pod-sa', '--role-arn', ARN],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
  assert.deepEqual(
    docs.map((d) => d.kind),
    ['ServiceAccount', 'ConfigMap', 'Pod'],
  );
  assert.equal(docs[1].data.AWS_REGION, 'ap-southeast-2');
  assert.equal(docs[1].data.AWS_DEFAULT_REGION, 'ap-southeast-2');
  assert.equal(docs[2].spec.volumes[0].name, 'aws-iam-token');
  assert.equal(r.stderr, '');

  const noRegion = await runCli(
    ['manifests', 'workload', '--namespace', 'default', '--service-account', 'app', '--role-arn', ARN],
    { env: { AWS_REGION: '', AWS_DEFAULT_REGION: '' } },
  );
  assert.equal(noRegion.code, 0);
  assert.match(noRegion.stderr, /warning: no region/);

  const wh = await runCli([
    '--output',
    'json',
    'manifests',
    'workload',
    '--mode',
    'webhook',
    '--namespace',
    'default',
    '--service-account',
    'app',
    '--role-arn',
    ARN,
    '--region',
    'eu-west-1',
  ]);
  const out = JSON.parse(wh.stdout);
  assert.equal(out.data.objects.length, 1);
  assert.deepEqual(out.data.objects[0].metadata.annotations, {
    'eks.amazonaws.com/role-arn': ARN,
    'eks.amazonaws.com/region': 'eu-west-1',
  });
});

test('manifests discovery-rbac: binding on stdout, warning on stderr, narrower alternative as a comment', async () => {
  const r = await runCli(['manifests', 'discovery-rbac']);
  assert.equal(r.code, 0);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
  assert.equal(docs.length, 1);
  assert.equal(docs[0].kind, 'ClusterRoleBinding');
  assert.match(r.stderr, /^warning: .*anonymous/m);
  assert.match(r.stdout, /^# kind: AuthenticationConfiguration$/m);
  assert.match(r.stdout, /^# {5}- path: \/openid\/v1\/jwks$/m);
});

const key = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const sortObjects = (objs: Obj[]) => [...objs].sort((a, b) => key(a).localeCompare(key(b)));

test('deploy/ kustomize base renders exactly what `irsa webhook manifests` prints by default', async () => {
  const kustomize = spawnSync('kubectl', ['kustomize', join(ROOT, 'deploy')], { encoding: 'utf8' });
  assert.equal(kustomize.status, 0, kustomize.stderr);
  const fromDeploy = parseAllDocuments(kustomize.stdout).map((d) => d.toJS() as Obj);
  // deploy/ sets no region: the CLI's default region comes from the environment, so none is given here.
  const cli = await runCli(['webhook', 'manifests'], { env: { AWS_REGION: '', AWS_DEFAULT_REGION: '' } });
  assert.equal(cli.code, 0, cli.stderr);
  const fromCli = parseAllDocuments(cli.stdout).map((d) => d.toJS() as Obj);
  assert.deepEqual(fromDeploy.map(key).sort(), fromCli.map(key).sort());
  // key fields first, for a readable failure; then everything
  const find = (objs: Obj[], kind: string) => objs.find((o) => o.kind === kind) as Obj;
  for (const objs of [fromDeploy, fromCli]) {
    const wh = find(objs, 'MutatingWebhookConfiguration').webhooks[0];
    assert.equal(wh.failurePolicy, 'Ignore');
    assert.deepEqual(wh.admissionReviewVersions, ['v1', 'v1beta1']);
    assert.equal(find(objs, 'Deployment').spec.replicas, 2);
  }
  assert.deepEqual(sortObjects(fromDeploy), sortObjects(fromCli));
  assert.match(cli.stderr, /note: failurePolicy Ignore: kube-system stays included/);
  // and the files themselves (comments included) are what the generator writes
  for (const [file, text] of Object.entries(deployFiles())) {
    assert.equal(readFileSync(join(ROOT, 'deploy', file), 'utf8'), text, `deploy/${file} is stale`);
  }
});

test('webhook manifests: container args are flags `irsa webhook serve` declares; Fail mode prints its reason', async () => {
  const help = await runCli(['webhook', 'serve', '--help']);
  const declared = new Set([...help.stdout.matchAll(/--[a-z][a-z0-9-]+/g)].map((m) => m[0]));
  for (const tls of ['self-managed', 'cert-manager', 'files']) {
    const r = await runCli(
      ['--output', 'json', 'webhook', 'manifests', '--tls', tls, '--aws-account-id', '111122223333'],
      { env: { AWS_REGION: 'ap-south-1' } },
    );
    assert.equal(r.code, 0, r.stderr);
    const deploy = JSON.parse(r.stdout).data.objects.find((o: Obj) => o.kind === 'Deployment');
    const args: string[] = deploy.spec.template.spec.containers[0].args;
    assert.deepEqual(args.slice(0, 2), ['webhook', 'serve']);
    for (const a of args.slice(2)) assert.ok(declared.has(a.split('=')[0]), `${tls}: ${a} is not a webhook serve flag`);
    assert.ok(args.includes('--aws-default-region=ap-south-1'), 'region from $AWS_REGION');
    assert.ok(args.includes('--compose-role-arn') && args.includes('--aws-account-id=111122223333'));
  }
  const none = await runCli(['--output', 'json', 'webhook', 'manifests', '--region', ''], {
    env: { AWS_REGION: 'ap-south-1' },
  });
  const noneArgs: string[] = JSON.parse(none.stdout).data.objects.find((o: Obj) => o.kind === 'Deployment').spec
    .template.spec.containers[0].args;
  assert.ok(!noneArgs.some((a) => a.startsWith('--aws-default-region')), "--region '' turns the default off");
  const fail = await runCli(['webhook', 'manifests', '--failure-policy', 'Fail', '--namespace', 'identity']);
  assert.equal(fail.code, 0);
  const mwc = parseAllDocuments(fail.stdout)
    .map((d) => d.toJS() as Obj)
    .find((o) => o.kind === 'MutatingWebhookConfiguration') as Obj;
  assert.deepEqual(mwc.webhooks[0].namespaceSelector.matchExpressions[0].values, ['kube-system', 'identity']);
  assert.match(fail.stderr, /note: failurePolicy Fail: namespaces kube-system and identity are excluded/);
});

test('webhook manifests --tls files --ca-bundle-file embeds the CA; garbage is refused', async (t) => {
  const dir = tempDir(t);
  const ca = join(dir, 'ca.crt');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const r = await runCli(['--output', 'json', 'webhook', 'manifests', '--tls', 'files', '--ca-bundle-file', ca]);
  assert.equal(r.code, 0, r.stderr);
  const mwc = JSON.parse(r.stdout).data.objects.find((o: Obj) => o.kind === 'MutatingWebhookConfiguration');
  assert.equal(Buffer.from(mwc.webhooks[0].clientConfig.caBundle, 'base64').toString(), readFileSync(ca, 'utf8'));
  const junk = join(dir, 'junk.crt');
  writeFileSync(junk, 'nope');
  await assertOneLineError(
    ['webhook', 'manifests', '--tls', 'files', '--ca-bundle-file', junk],
    /not a PEM certificate/,
  );
});

test('Dockerfile: multi-stage build on one supported LTS, production deps only, non-root, irsa entrypoint', () => {
  const df = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const froms = [...df.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => ({ image: m[1], stage: m[2] }));
  assert.ok(froms.length >= 2, 'multi-stage');
  // Every stage the same Node image, on an LTS line that .ci/run tests besides Node 20 (issue 14).
  const tested = /CI_NODE_VERSIONS:-([\d ]+)\}/.exec(readFileSync(join(ROOT, '.ci/run'), 'utf8'))?.[1].split(' ') ?? [];
  for (const f of froms) assert.equal(f.image, froms[0].image, `${f.stage}: one image for every stage`);
  const major = /^node:(\d+)-(?:trixie|bookworm)-slim$/.exec(froms[0].image)?.[1] ?? '';
  assert.ok(Number(major) % 2 === 0 && Number(major) > 20 && tested.includes(major), `${froms[0].image}: tested LTS`);
  assert.match(df, /RUN npm ci[^\n]*\n(?:.*\n)*?RUN npm run build/);
  assert.match(df, /npm ci --omit=dev/);
  const runtime = df.slice(df.lastIndexOf('FROM '));
  assert.match(runtime, /^USER 65532(:65532)?$/m);
  assert.match(runtime, /^ENTRYPOINT \["node", "\/app\/dist\/cli\.js"\]$/m);
  assert.match(runtime, /^CMD \["webhook", "serve"\]$/m);
  assert.doesNotMatch(runtime, /COPY (\.|src|test)\b/, 'no sources in the runtime stage');
  const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
  for (const entry of ['node_modules', 'dist', '.git', 'test']) assert.ok(ignore.includes(entry), entry);
});

test('one region check: manifests workload (both modes), webhook serve and webhook manifests refuse "EU West" (issue 9.3)', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'sa.yaml'), '[]');
  const workload = ['manifests', 'workload', '--namespace', 'default', '--service-account', 'app', '--role-arn', ARN];
  for (const region of ['EU West', 'bad region!']) {
    await assertOneLineError(
      [...workload, '--region', region],
      /--region must be an AWS region name such as eu-west-1/,
    );
    await assertOneLineError(
      [...workload, '--mode', 'webhook', '--region', region],
      /--region must be an AWS region name such as eu-west-1/,
    );
    await assertOneLineError(['webhook', 'manifests', '--region', region], /--region must be an AWS region name/);
    await assertOneLineError(
      ['webhook', 'serve', '--service-accounts-file', join(dir, 'sa.yaml'), '--aws-default-region', region],
      /^irsa webhook serve: --aws-default-region must be an AWS region name/,
    );
  }
  // A bad region from the environment is named as such.
  const env = await runCli(workload, { env: { AWS_REGION: 'EU West' } });
  assert.equal(env.code, 1);
  assert.match(env.stderr, /the region from \$AWS_REGION \/ \$AWS_DEFAULT_REGION must be an AWS region name/);
  const json = await runCli([...workload, '--region', 'EU West', '-o', 'json']);
  assert.equal(JSON.parse(json.stdout).error.code, 'ERR_REGION');
});

test('issuer apiserver-flags: --kubeadm-api with k3s is refused; --previous-issuer = --issuer gives one warning', async () => {
  await assertOneLineError(
    ['issuer', 'apiserver-flags', '--distro', 'k3s', '--issuer', ISSUER, '--kubeadm-api', 'v1beta3'],
    /--kubeadm-api applies to --distro kubeadm or kind, not k3s/,
  );
  const r = await runCli([
    'issuer',
    'apiserver-flags',
    '--distro',
    'k3s',
    '--issuer',
    ISSUER,
    '--previous-issuer',
    ISSUER,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning:'));
  assert.deepEqual(warnings, [
    'warning: --previous-issuer equals --issuer: nothing to migrate, the issuer is listed once',
  ]);
  // Plain seconds are rendered as the Go duration kube-apiserver parses.
  const secs = await runCli([
    '-o',
    'json',
    'issuer',
    'apiserver-flags',
    '--distro',
    'generic',
    '--issuer',
    ISSUER,
    '--previous-issuer',
    OLD,
    '--max-token-expiration',
    '86400',
  ]);
  assert.deepEqual(values(JSON.parse(secs.stdout).data.args, 'service-account-max-token-expiration'), ['24h']);
});

test('webhook manifests: --ca-bundle-file without --tls files is refused (an option that would do nothing)', async (t) => {
  const dir = tempDir(t);
  const ca = join(dir, 'ca.crt');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  await assertOneLineError(
    ['webhook', 'manifests', '--ca-bundle-file', ca],
    /--ca-bundle-file only applies to --tls files/,
  );
});
