import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { IrsaError } from '../../src/core/errors.js';
import {
  APISERVER_DISTROS,
  type ApiserverArg,
  buildApiserverFlags,
  type Distro,
} from '../../src/core/issuer/apiserver-flags.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is walked freely in tests
type Obj = Record<string, any>;
const ISSUER = 'https://oidc.example.com/c1';
const OLD = 'https://kubernetes.default.svc.cluster.local';

/** Reads the flags back out of a rendered document, whatever the distro's format. */
function flagsOf(distro: Distro, document: unknown): ApiserverArg[] {
  const fromPairs = (pairs: string[]) =>
    pairs.map((p) => {
      const i = p.indexOf('=');
      return { name: p.slice(0, i).replace(/^--/, ''), value: p.slice(i + 1) };
    });
  const fromExtraArgs = (extra: unknown): ApiserverArg[] =>
    Array.isArray(extra)
      ? (extra as ApiserverArg[]).map(({ name, value }) => ({ name, value }))
      : Object.entries(extra as Record<string, string>).map(([name, value]) => ({ name, value }));
  const d = document as Obj;
  switch (distro) {
    case 'generic':
    case 'microk8s':
      return fromPairs(String(document).trim().split('\n'));
    case 'k3s':
    case 'rke2':
      return fromPairs(d['kube-apiserver-arg']);
    case 'kubeadm':
      return fromExtraArgs(d.apiServer.extraArgs);
    case 'kind':
      // the last patch (v1beta4 when both are given) carries the full list
      return fromExtraArgs(parse(d.kubeadmConfigPatches.at(-1)).apiServer.extraArgs);
    case 'k0s':
      return fromExtraArgs(d.spec.api.extraArgs);
    case 'talos':
      return fromExtraArgs(d.cluster.apiServer.extraArgs);
  }
}

const values = (args: ApiserverArg[], name: string) => args.filter((a) => a.name === name).map((a) => a.value);

test('list formats: new issuer first, previous issuer second, jwks uri, keys, pinned audiences', () => {
  for (const distro of ['generic', 'kubeadm', 'k3s', 'rke2', 'kind', 'microk8s'] as const) {
    const r = buildApiserverFlags({
      distro,
      issuer: ISSUER,
      previousIssuer: OLD,
      signingKeys: ['/keys/new.key'],
      publicKeys: ['/keys/old.pub', '/keys/new.pub'],
      kubeadmApi: distro === 'kubeadm' || distro === 'kind' ? 'v1beta4' : undefined,
    });
    const args = flagsOf(distro, r.document);
    assert.deepEqual(args, r.args, distro);
    assert.deepEqual(values(args, 'service-account-issuer'), [ISSUER, OLD], distro);
    assert.deepEqual(values(args, 'service-account-jwks-uri'), [`${ISSUER}/openid/v1/jwks`], distro);
    assert.deepEqual(values(args, 'service-account-signing-key-file').length, 1, distro);
    const aud = values(args, 'api-audiences')[0].split(',');
    assert.ok(aud.includes(OLD), `${distro}: previous issuer pinned in audiences`);
    assert.ok(!aud.includes('sts.amazonaws.com'), distro);
    if (distro !== 'kind') {
      assert.deepEqual(values(args, 'service-account-key-file'), ['/keys/old.pub', '/keys/new.pub'], distro);
      assert.deepEqual(values(args, 'service-account-signing-key-file'), ['/keys/new.key'], distro);
    }
  }
});

test('distro defaults: key paths and audience extras', () => {
  const k3s = buildApiserverFlags({ distro: 'k3s', issuer: ISSUER });
  assert.deepEqual(values(k3s.args, 'service-account-key-file'), ['/var/lib/rancher/k3s/server/tls/service.key']);
  assert.deepEqual(values(k3s.args, 'service-account-signing-key-file'), [
    '/var/lib/rancher/k3s/server/tls/service.current.key',
  ]);
  assert.deepEqual(values(k3s.args, 'api-audiences'), [`${OLD},k3s`]);
  const rke2 = buildApiserverFlags({ distro: 'rke2', issuer: ISSUER });
  assert.deepEqual(values(rke2.args, 'api-audiences'), [`${OLD},rke2`]);
  assert.match(values(rke2.args, 'service-account-key-file')[0], /^\/var\/lib\/rancher\/rke2\/server\/tls\//);
  const k0s = buildApiserverFlags({ distro: 'k0s', issuer: ISSUER });
  assert.deepEqual(values(k0s.args, 'api-audiences'), ['https://kubernetes.default.svc,system:konnectivity-server']);
  assert.deepEqual(values(k0s.args, 'service-account-key-file'), ['/var/lib/k0s/pki/sa.pub']);
  assert.deepEqual(values(k0s.args, 'service-account-signing-key-file'), ['/var/lib/k0s/pki/sa.key']);
  const kubeadm = buildApiserverFlags({ distro: 'kubeadm', issuer: ISSUER });
  assert.deepEqual(values(kubeadm.args, 'service-account-key-file'), ['/etc/kubernetes/pki/sa.pub']);
  assert.deepEqual(values(kubeadm.args, 'api-audiences'), [OLD]);
  const micro = buildApiserverFlags({ distro: 'microk8s', issuer: ISSUER });
  assert.deepEqual(values(micro.args, 'service-account-key-file'), [
    '/var/snap/microk8s/current/certs/serviceaccount.key',
  ]);
  // k3s with a previous issuer: the issuer joins the pinned list, k3s's own audiences stay
  const moved = buildApiserverFlags({ distro: 'k3s', issuer: ISSUER, previousIssuer: 'https://old.example.com' });
  assert.deepEqual(values(moved.args, 'api-audiences'), [`https://old.example.com,${OLD},k3s`]);
});

test('audiences: explicit list kept, sts audiences refused, unknown current issuer warned', () => {
  const r = buildApiserverFlags({ distro: 'generic', issuer: ISSUER, apiAudiences: ['a,b', 'c'] });
  assert.deepEqual(values(r.args, 'api-audiences'), ['a,b,c']);
  for (const sts of [
    'sts.amazonaws.com',
    'STS.amazonaws.com',
    'sts.eu-west-1.amazonaws.com',
    'sts.cn-north-1.amazonaws.com.cn',
  ]) {
    assert.throws(
      () => buildApiserverFlags({ distro: 'k3s', issuer: ISSUER, apiAudiences: [`x,${sts}`] }),
      (e: unknown) => e instanceof IrsaError && e.code === 'ERR_STS_AUDIENCE',
      sts,
    );
  }
  const generic = buildApiserverFlags({ distro: 'generic', issuer: ISSUER });
  assert.ok(generic.warnings.some((w) => /not known here/.test(w)));
  assert.ok(generic.notes.some((n) => /pinned to/.test(n) && /sts\.amazonaws\.com/.test(n)));
});

test('map-typed formats with --previous-issuer: one issuer and an explicit note with the workaround', () => {
  const cases: Array<[Distro, 'v1beta3' | undefined, RegExp]> = [
    ['kubeadm', 'v1beta3', /patches\.directory/],
    ['k0s', undefined, /Workaround for k0s/],
    ['talos', undefined, /Workaround for Talos/],
  ];
  for (const [distro, kubeadmApi, workaround] of cases) {
    const r = buildApiserverFlags({ distro, issuer: ISSUER, previousIssuer: OLD, kubeadmApi });
    const args = flagsOf(distro, r.document);
    assert.deepEqual(values(args, 'service-account-issuer'), [ISSUER], distro);
    assert.ok(
      r.notes.some((n) => /is a map: --service-account-issuer cannot be repeated/.test(n) && n.includes(OLD)),
      distro,
    );
    assert.ok(
      r.notes.some((n) => /comma-joined value does not work/.test(n)),
      distro,
    );
    assert.ok(
      r.notes.some((n) => workaround.test(n)),
      distro,
    );
    assert.ok(values(args, 'api-audiences')[0].split(',').includes(OLD), distro);
  }
  // kind with a previous issuer and no --kubeadm-api: only the v1beta4 patch (v1beta3 cannot repeat)
  const kind = buildApiserverFlags({ distro: 'kind', issuer: ISSUER, previousIssuer: OLD });
  const patches = (kind.document as { kubeadmConfigPatches: string[] }).kubeadmConfigPatches;
  assert.equal(patches.length, 1);
  assert.equal(parse(patches[0]).apiVersion, 'kubeadm.k8s.io/v1beta4');
});

test("replacing a distribution's own key is warned about", () => {
  const r = buildApiserverFlags({
    distro: 'k3s',
    issuer: ISSUER,
    signingKeys: ['/keys/new.key'],
    publicKeys: ['/keys/new.pub'],
  });
  assert.ok(
    r.warnings.some((w) => w.includes('/var/lib/rancher/k3s/server/tls/service.key') && /stop verifying/.test(w)),
  );
  const kept = buildApiserverFlags({
    distro: 'k3s',
    issuer: ISSUER,
    signingKeys: ['/keys/new.key'],
    publicKeys: ['/var/lib/rancher/k3s/server/tls/service.key', '/keys/new.pub'],
  });
  assert.ok(!kept.warnings.some((w) => /stop verifying/.test(w)));
});

test('map-typed formats refuse several key files (one PEM file with all keys is the workaround)', () => {
  assert.throws(
    () => buildApiserverFlags({ distro: 'k0s', issuer: ISSUER, publicKeys: ['/a.pub', '/b.pub'] }),
    (e: unknown) => e instanceof IrsaError && e.code === 'ERR_FLAG_NOT_REPEATABLE' && /one PEM file/.test(e.hint ?? ''),
  );
});

test('kubeadm: v1beta4 list by default, v1beta3 map, extraVolumes for keys outside /etc/kubernetes/pki', () => {
  const v4 = buildApiserverFlags({ distro: 'kubeadm', issuer: ISSUER, signingKeys: ['/etc/irsa/sa.key'] });
  const doc = v4.document as Obj;
  assert.equal(doc.apiVersion, 'kubeadm.k8s.io/v1beta4');
  assert.equal(doc.kind, 'ClusterConfiguration');
  assert.ok(Array.isArray(doc.apiServer.extraArgs));
  assert.deepEqual(doc.apiServer.extraVolumes, [
    { name: 'irsa-keys', hostPath: '/etc/irsa', mountPath: '/etc/irsa', readOnly: true, pathType: 'Directory' },
  ]);
  const v3 = buildApiserverFlags({ distro: 'kubeadm', issuer: ISSUER, kubeadmApi: 'v1beta3' });
  const doc3 = v3.document as Obj;
  assert.equal(doc3.apiVersion, 'kubeadm.k8s.io/v1beta3');
  assert.equal(doc3.apiServer.extraArgs['service-account-issuer'], ISSUER);
  assert.equal(doc3.apiServer.extraVolumes, undefined);
});

test('kind: host key files mounted into the node and the apiserver; both kubeadm API versions by default', () => {
  const r = buildApiserverFlags({
    distro: 'kind',
    issuer: ISSUER,
    signingKeys: ['/home/me/sa.key'],
    publicKeys: ['/home/me/sa.pub'],
  });
  const doc = r.document as Obj;
  assert.equal(doc.kind, 'Cluster');
  assert.equal(doc.apiVersion, 'kind.x-k8s.io/v1alpha4');
  assert.deepEqual(doc.nodes[0].extraMounts, [
    { hostPath: '/home/me/sa.pub', containerPath: '/etc/kubernetes/irsa/sa.pub', readOnly: true },
    { hostPath: '/home/me/sa.key', containerPath: '/etc/kubernetes/irsa/sa.key', readOnly: true },
  ]);
  const [p3, p4] = doc.kubeadmConfigPatches.map((p: string) => parse(p));
  assert.equal(p3.apiVersion, 'kubeadm.k8s.io/v1beta3');
  assert.equal(p4.apiVersion, 'kubeadm.k8s.io/v1beta4');
  assert.equal(p3.apiServer.extraArgs['service-account-signing-key-file'], '/etc/kubernetes/irsa/sa.key');
  assert.deepEqual(p4.apiServer.extraVolumes[0].hostPath, '/etc/kubernetes/irsa');
});

test('talos: no key flags (Talos manages the key), cluster.serviceAccount.key explained', () => {
  const r = buildApiserverFlags({ distro: 'talos', issuer: ISSUER, signingKeys: ['/x/sa.key'] });
  const extra = (r.document as Obj).cluster.apiServer.extraArgs;
  assert.equal(extra['service-account-key-file'], undefined);
  assert.equal(extra['service-account-signing-key-file'], undefined);
  assert.equal(extra['service-account-issuer'], ISSUER);
  assert.ok(r.notes.some((n) => n.includes('cluster.serviceAccount.key')));
  assert.ok(r.warnings.some((w) => /not used/.test(w)));
  // with a previous issuer: the KubeServiceAccountConfig alternative, as YAML that parses
  const moved = buildApiserverFlags({ distro: 'talos', issuer: ISSUER, previousIssuer: 'https://cp.example.com:6443' });
  const note = moved.notes.find((n) => n.includes('kind: KubeServiceAccountConfig')) ?? '';
  const snippet = parse(note.slice(note.indexOf('apiVersion:'), note.indexOf('On older Talos')));
  assert.equal(snippet.issuer.issuerURL, ISSUER);
  assert.deepEqual(snippet.accepted.issuers, ['https://cp.example.com:6443']);
  assert.deepEqual(snippet.accepted.audiences, ['https://cp.example.com:6443']);
});

test('max token expiration: rendered as a Go duration, kube bounds', () => {
  const r = buildApiserverFlags({ distro: 'generic', issuer: ISSUER, maxTokenExpirationSeconds: 5400 });
  assert.deepEqual(values(r.args, 'service-account-max-token-expiration'), ['1h30m']);
  const day = buildApiserverFlags({ distro: 'generic', issuer: ISSUER, maxTokenExpirationSeconds: 86400 });
  assert.deepEqual(values(day.args, 'service-account-max-token-expiration'), ['24h']);
  for (const out of [59 * 60, 2 ** 32 + 1]) {
    assert.throws(
      () => buildApiserverFlags({ distro: 'generic', issuer: ISSUER, maxTokenExpirationSeconds: out }),
      (e: unknown) => e instanceof IrsaError && e.code === 'ERR_MAX_TOKEN_EXPIRATION',
      String(out),
    );
  }
  assert.ok(
    buildApiserverFlags({ distro: 'generic', issuer: ISSUER, maxTokenExpirationSeconds: 3600 }).warnings.some((w) =>
      /3607s/.test(w),
    ),
  );
});

test('--kubeadm-api only with kubeadm and kind: elsewhere it would do nothing, so it is refused', () => {
  for (const distro of APISERVER_DISTROS) {
    const build = () => buildApiserverFlags({ distro, issuer: ISSUER, previousIssuer: OLD, kubeadmApi: 'v1beta3' });
    if (distro === 'kubeadm' || distro === 'kind') assert.doesNotThrow(build, distro);
    else {
      assert.throws(build, (e: unknown) => e instanceof IrsaError && e.code === 'ERR_USAGE', distro);
    }
  }
});

test('--previous-issuer equal to --issuer: one note, no contradicting "no --previous-issuer" warning', () => {
  const same = buildApiserverFlags({ distro: 'k3s', issuer: ISSUER, previousIssuer: ISSUER });
  assert.deepEqual(same.warnings, ['--previous-issuer equals --issuer: nothing to migrate, the issuer is listed once']);
  assert.deepEqual(values(same.args, 'service-account-issuer'), [ISSUER]);
  // the issuer in use today is this one: the API audiences stay what the cluster accepts now
  assert.deepEqual(values(same.args, 'api-audiences'), [`${ISSUER},${OLD},k3s`]);
});

test('issuer checks: https only, previous issuer sane, jwks uri override validated', () => {
  assert.throws(() => buildApiserverFlags({ distro: 'k3s', issuer: 'http://oidc.example.com' }), /https/);
  assert.throws(
    () => buildApiserverFlags({ distro: 'k3s', issuer: ISSUER, jwksUri: 'http://x/jwks' }),
    (e: unknown) => e instanceof IrsaError && e.code === 'ERR_JWKS_URI_INVALID',
  );
  assert.throws(
    () => buildApiserverFlags({ distro: 'k3s', issuer: ISSUER, previousIssuer: `${OLD},${ISSUER}` }),
    (e: unknown) => e instanceof IrsaError && e.code === 'ERR_ISSUER_INVALID',
  );
  const same = buildApiserverFlags({ distro: 'k3s', issuer: ISSUER, previousIssuer: ISSUER });
  assert.deepEqual(values(same.args, 'service-account-issuer'), [ISSUER]);
  const custom = buildApiserverFlags({ distro: 'k3s', issuer: ISSUER, jwksUri: 'https://cdn.example.com/keys.json' });
  assert.deepEqual(values(custom.args, 'service-account-jwks-uri'), ['https://cdn.example.com/keys.json']);
  // a non-URL legacy issuer is accepted as previous issuer, as kube-apiserver does
  const legacy = buildApiserverFlags({
    distro: 'generic',
    issuer: ISSUER,
    previousIssuer: 'kubernetes/serviceaccount',
  });
  assert.deepEqual(values(legacy.args, 'service-account-issuer'), [ISSUER, 'kubernetes/serviceaccount']);
});

test('every distro renders', () => {
  for (const distro of APISERVER_DISTROS) {
    const r = buildApiserverFlags({ distro, issuer: ISSUER, previousIssuer: OLD });
    assert.ok(r.target.length > 0);
    assert.equal(r.format, distro === 'generic' || distro === 'microk8s' ? 'flags' : 'yaml');
    assert.equal(values(flagsOf(distro, r.document), 'service-account-issuer')[0], ISSUER, distro);
  }
});
