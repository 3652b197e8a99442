// `irsa doctor --pod NS/NAME`: the cluster side checked against the local test API server, with the published
// documents served by a separate local HTTPS host (a private CA, as AWS would see it) and fetched as STS fetches
// them: anonymously, over HTTPS, by the same fetcher and with the same verdict as `doctor --token-file`.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import jsonpatch from 'fast-json-patch';
import type { IssuerFacts } from '../../src/core/doctor/issuer-checks.js';
import { podChecks } from '../../src/core/doctor/pod-checks.js';
import { buildDiscovery, serializeDiscovery } from '../../src/core/issuer/discovery.js';
import { buildJwks, serializeJwks } from '../../src/core/issuer/jwks.js';
import { parseKeys } from '../../src/core/keys/parse.js';
import { mutatePod } from '../../src/core/webhook/mutate.js';
import { DEFAULT_WEBHOOK_SETTINGS, type KubeObject } from '../../src/core/webhook/types.js';
import { runCli, tempDir } from '../support/cli.js';
import { EC_KID, EC_PUBLIC, RSA_KID, RSA_PUBLIC } from '../support/key-fixtures.js';
import { startHttpsServer, startKubeApiServer } from '../support/kube-apiserver.js';
import { startChain } from '../support/sandbox-chain.js';

const ROLE = 'arn:aws:iam::111122223333:role/app@team';
const rsa = parseKeys(readFileSync(RSA_PUBLIC), 'rsa');
const ec = parseKeys(readFileSync(EC_PUBLIC), 'ec');
const clusterJwks = serializeJwks(buildJwks([...rsa, ...ec]));

const sa = (annotations: Record<string, string>): KubeObject => ({
  metadata: { name: 'app', namespace: 'team', annotations },
});
const rawPod = (name = 'app-0', extra: Record<string, unknown> = {}): KubeObject => ({
  metadata: {
    name,
    namespace: 'team',
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'app', uid: 'u', controller: true }],
  },
  spec: { serviceAccountName: 'app', containers: [{ name: 'app', image: 'x' }], ...extra },
  status: { phase: 'Running' },
});
function mutated(pod: KubeObject, serviceAccount: KubeObject): KubeObject {
  const { patch } = mutatePod(pod, serviceAccount, DEFAULT_WEBHOOK_SETTINGS, { namespace: 'team' });
  return jsonpatch.applyPatch(structuredClone(pod), patch as jsonpatch.Operation[], true, false).newDocument;
}

/** A cluster and the public host its issuer points at; both serve documents built by our issuer code. */
async function world(t: { after: (fn: () => unknown) => void }) {
  const docs = new Map<string, string>();
  const host = await startHttpsServer((req, res) => {
    const body = docs.get(req.url ?? '');
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(body ?? 'not found');
  });
  t.after(() => host.close());
  const kube = await startKubeApiServer();
  t.after(() => kube.close());
  const issuer = `${host.url}/c1`;
  const discovery = serializeDiscovery(buildDiscovery(issuer, `${issuer}/keys.json`, buildJwks([...rsa, ...ec])));
  kube.setDiscovery(discovery, clusterJwks);
  docs.set('/c1/.well-known/openid-configuration', discovery);
  docs.set('/c1/keys.json', clusterJwks);
  const dir = tempDir(t);
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, host.caPem);
  const kubeconfig = kube.writeKubeconfig(dir);
  const doctor = async (pod: string, env: Record<string, string> = { NODE_EXTRA_CA_CERTS: caFile }) => {
    const r = await runCli(['doctor', '--pod', pod, '--kubeconfig', kubeconfig, '-o', 'json'], {
      env: { HOME: dir, KUBECONFIG: '', ...env },
    });
    // biome-ignore lint/suspicious/noExplicitAny: JSON output
    const out: any = r.stdout ? JSON.parse(r.stdout) : undefined;
    const status = (id: string) =>
      (out?.data?.checks ?? []).filter((c: { id: string }) => c.id === id).map((c: { status: string }) => c.status);
    return { ...r, out, status };
  };
  return { kube, host, docs, dir, doctor };
}

describe('irsa doctor --pod', { concurrency: true }, () => {
  test('a mutated pod whose keys are published passes every check; exit 0', async (t) => {
    const { kube, doctor } = await world(t);
    const account = sa({ 'eks.amazonaws.com/role-arn': ROLE });
    kube.put('serviceaccounts', account);
    kube.put('pods', mutated(rawPod(), account));
    const r = await doctor('team/app-0');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(r.out.ok, true);
    for (const id of [
      'service-account',
      'role-arn-annotation',
      'role-arn-valid',
      'pod-mutated',
      'token-audience',
      'token-expiration',
      'token-file',
      'cluster-jwks',
      'discovery',
      'discovery-issuer',
      'jwks',
      'cache-control',
      'signing-keys-published',
    ]) {
      assert.deepEqual(r.status(id), ['pass'], id);
    }
    // The host's CA is trusted here (NODE_EXTRA_CA_CERTS) but is no public CA: a warning, as in --token-file.
    assert.deepEqual(r.status('tls'), ['warn']);
    assert.ok(r.out.warnings.some((w: string) => w.startsWith('tls: private CA')));
    assert.equal(r.out.data.serviceAccount, 'team/app');
  });

  test('a cluster key missing from the published JWKS fails (exit 1); the message names the missing kid', async (t) => {
    const { kube, docs, doctor } = await world(t);
    const account = sa({ 'eks.amazonaws.com/role-arn': ROLE });
    kube.put('serviceaccounts', account);
    kube.put('pods', mutated(rawPod(), account));
    docs.set('/c1/keys.json', serializeJwks(buildJwks(rsa))); // published before the EC key was added
    const r = await doctor('team/app-0');
    assert.equal(r.code, 1);
    assert.deepEqual(r.status('signing-keys-published'), ['fail']);
    const msg = r.out.data.checks.find((c: { id: string }) => c.id === 'signing-keys-published').message;
    assert.match(msg, new RegExp(EC_KID));
    assert.doesNotMatch(msg, new RegExp(RSA_KID));
  });

  test('an unmutated pod fails with the restart command; an untrusted issuer host is a warning, not a failure', async (t) => {
    const { kube, doctor } = await world(t);
    kube.put('serviceaccounts', sa({ 'eks.amazonaws.com/role-arn': ROLE }));
    kube.put('pods', rawPod());
    const r = await doctor('team/app-0', {}); // no NODE_EXTRA_CA_CERTS: the test CA is not trusted at all
    assert.equal(r.code, 1);
    const mutatedCheck = r.out.data.checks.find((c: { id: string }) => c.id === 'pod-mutated');
    assert.equal(mutatedCheck.status, 'fail');
    assert.match(mutatedCheck.message, /volume aws-iam-token/);
    assert.match(mutatedCheck.fix, /kubectl rollout restart statefulset\/app -n team/);
    // AWS falls back to the provider's thumbprint for a chain it does not trust: the documents are still fetched.
    assert.deepEqual(r.status('discovery'), ['pass']);
    assert.deepEqual(r.status('signing-keys-published'), ['pass']);
    assert.deepEqual(r.status('tls'), ['warn']);
    const tls = r.out.data.checks.find((c: { id: string }) => c.id === 'tls');
    assert.match(tls.message, /private CA: 127\.0\.0\.1:\d+ \(.*\)\. AWS validates the JWKS host/);
    assert.doesNotMatch(tls.message, /trusted here only through/);
    assert.deepEqual(
      r.out.data.checks.filter((c: { status: string }) => c.status === 'fail').map((c: { id: string }) => c.id),
      ['pod-mutated'],
    );
  });

  test('published documents that cannot be fetched fail with the AWS error and the publishing fix', async (t) => {
    const { kube, docs, doctor } = await world(t);
    const account = sa({ 'eks.amazonaws.com/role-arn': ROLE });
    kube.put('serviceaccounts', account);
    kube.put('pods', mutated(rawPod(), account));
    docs.delete('/c1/keys.json');
    const r = await doctor('team/app-0');
    assert.equal(r.code, 1);
    assert.deepEqual(r.status('discovery'), ['pass']);
    const jwks = r.out.data.checks.find((c: { id: string }) => c.id === 'jwks');
    assert.equal(jwks.status, 'fail');
    assert.match(jwks.message, /^http-status: .*\/c1\/keys\.json: HTTP 404$/);
    assert.match(jwks.awsError, /^InvalidIdentityToken: Couldn't retrieve verification key/);
    assert.match(jwks.fix, /irsa issuer fetch --out-dir DIR/);
    assert.deepEqual(r.status('signing-keys-published'), ['skip']);
  });

  test('pod not found and a bad --pod are one-line errors', async (t) => {
    const { doctor } = await world(t);
    const missing = await doctor('team/nope');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^irsa doctor: pod team\/nope not found \(context fake\)\n/);
    const bad = await doctor('a/b/c');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--pod must be NAMESPACE\/NAME, got: a\/b\/c/);
  });
});

describe('one issuer verdict for both doctor modes', () => {
  test('doctor --pod with --trust-ca and a private-CA issuer warns exactly as doctor --token-file does', async (t) => {
    const chain = await startChain(t);
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    const jwks = buildJwks([chain.pair.key]);
    kube.setDiscovery(
      serializeDiscovery(buildDiscovery(chain.issuer, `${chain.issuer}/openid/v1/jwks`, jwks)),
      serializeJwks(jwks),
    );
    const account = {
      metadata: { name: 'app', namespace: 'default', annotations: { 'eks.amazonaws.com/role-arn': chain.roleArn } },
    };
    kube.put('serviceaccounts', account);
    const pod = rawPod();
    pod.metadata!.namespace = 'default';
    kube.put('pods', mutated(pod, account));
    const caFile = join(chain.dir, 'issuer-ca.pem');
    writeFileSync(caFile, chain.sb.caPem);
    const kubeconfig = kube.writeKubeconfig(chain.dir);

    const json = async (args: string[], env: NodeJS.ProcessEnv) => {
      const r = await runCli(['doctor', ...args, '--trust-ca', caFile, '-o', 'json'], { env });
      assert.ok(r.stdout, r.stderr);
      return JSON.parse(r.stdout) as {
        ok: boolean;
        warnings: string[];
        data: { checks: { id: string; status: string; message: string }[] };
      };
    };
    const byToken = await json(
      ['--token-file', chain.writeToken(await chain.mint()), '--role-arn', chain.roleArn],
      chain.adminEnv(),
    );
    const byPod = await json(['--pod', 'default/app-0', '--kubeconfig', kubeconfig], {
      HOME: chain.dir,
      KUBECONFIG: '',
    });
    assert.equal(byToken.ok, true);
    assert.equal(byPod.ok, true, JSON.stringify(byPod.data.checks));
    const issuerChecks = (out: typeof byPod) =>
      out.data.checks.filter((c) => ['discovery', 'discovery-issuer', 'jwks', 'cache-control', 'tls'].includes(c.id));
    assert.equal(issuerChecks(byPod).length, 5);
    assert.deepEqual(issuerChecks(byPod), issuerChecks(byToken));
    const tls = issuerChecks(byPod).find((c) => c.id === 'tls');
    assert.equal(tls?.status, 'warn');
    assert.match(tls?.message ?? '', /trusted here only through --trust-ca\/NODE_EXTRA_CA_CERTS/);
    assert.match(tls?.message ?? '', /falls back to the thumbprints/);
    const tlsWarning = (out: typeof byPod) => out.warnings.filter((w) => w.startsWith('tls:'));
    assert.deepEqual(tlsWarning(byPod), tlsWarning(byToken));
    assert.equal(tlsWarning(byPod).length, 1);
  });
});

describe('pod checks (pure)', () => {
  const issuer = 'https://oidc.example.com';
  const cluster = {
    discoveryText: serializeDiscovery(buildDiscovery(issuer, `${issuer}/keys.json`, buildJwks(rsa))),
    jwksText: serializeJwks(buildJwks(rsa)),
  };
  /** What the fetcher reports for a publicly trusted host serving `discovery` and the cluster's JWKS. */
  const fetchedFacts = (discoveryText = cluster.discoveryText): IssuerFacts => {
    const urls = [`${issuer}/.well-known/openid-configuration`, `${issuer}/keys.json`];
    const doc = (kind: string, url: string) => ({
      kind,
      url,
      finalUrl: url,
      status: 200,
      contentType: 'application/json',
      cacheControl: 'public, max-age=3600',
      cache: { ttlSeconds: 3600, source: 'max-age' },
    });
    return {
      fetched: {
        ok: true,
        discovery: JSON.parse(discoveryText),
        jwks: JSON.parse(cluster.jwksText),
        chainTrusted: true,
        servedThumbprints: ['AB'],
        tls: urls.map((url) => ({ url, trusted: true, thumbprint: 'AB' })),
        details: { documents: [doc('discovery', urls[0]), doc('jwks', urls[1])] },
      },
      publicTrust: Object.fromEntries(urls.map((u) => [u, { authorized: true }])),
    };
  };
  const published = fetchedFacts();
  const run = (serviceAccount: KubeObject | undefined, pod: KubeObject) =>
    podChecks({ pod, namespace: 'team', serviceAccount, cluster, published });
  const find = (checks: ReturnType<typeof run>, id: string) => checks.filter((c) => c.id === id);
  const status = (serviceAccount: KubeObject, pod: KubeObject, id: string) =>
    find(run(serviceAccount, pod), id)[0].status;

  test('near-miss annotation keys are named', () => {
    for (const key of ['eks.amazonaws.com/role_arn', 'eks.amazon.com/role-arn', 'EKS.amazonaws.com/role-arn']) {
      const checks = run(sa({ [key]: ROLE }), rawPod());
      const [c] = find(checks, 'role-arn-annotation');
      assert.equal(c.status, 'fail', key);
      assert.match(c.message, new RegExp(key.replace(/\./g, '\\.')));
      assert.match(c.fix ?? '', /eks\.amazonaws\.com\/role-arn/);
      assert.equal(find(checks, 'pod-mutated')[0].status, 'skip');
    }
  });

  test('whitespace and invalid ARNs fail; a missing ServiceAccount or annotation fails', () => {
    assert.equal(
      find(run(sa({ 'eks.amazonaws.com/role-arn': ` ${ROLE}` }), rawPod()), 'role-arn-valid')[0].status,
      'fail',
    );
    const bad = find(
      run(sa({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1234:role/x' }), rawPod()),
      'role-arn-valid',
    )[0];
    assert.equal(bad.status, 'fail');
    assert.match(bad.awsError ?? '', /Request ARN is invalid/);
    assert.equal(find(run(undefined, rawPod()), 'service-account')[0].status, 'fail');
    assert.equal(find(run(sa({}), rawPod()), 'role-arn-annotation')[0].status, 'fail');
    const onPod = rawPod();
    onPod.metadata!.annotations = { 'eks.amazonaws.com/role-arn': ROLE };
    assert.match(find(run(sa({}), onPod), 'role-arn-annotation')[0].message, /is on the pod/);
  });

  test('a role name: a warning when the pod got it composed (--compose-role-arn), else a failure naming both fixes', () => {
    const named = sa({ 'eks.amazonaws.com/role-arn': 'app@team' });
    const settings = { ...DEFAULT_WEBHOOK_SETTINGS, composeRoleArn: { partition: 'aws', accountId: '111122223333' } };
    const { patch } = mutatePod(rawPod(), named, settings, { namespace: 'team' });
    const composed = jsonpatch.applyPatch(structuredClone(rawPod()), patch as jsonpatch.Operation[], true, false);
    const checks = run(named, composed.newDocument);
    const ok = find(checks, 'role-arn-valid')[0];
    assert.equal(ok.status, 'warn', 'the pod cannot prove the webhook still composes names');
    assert.match(ok.message, /this pod got arn:aws:iam::111122223333:role\/app@team/);
    assert.match(ok.fix ?? '', /otherwise new pods get no credentials/);
    assert.equal(find(checks, 'pod-mutated')[0].status, 'pass');
    assert.deepEqual(find(checks, 'role-arn-current'), [], 'the composed ARN is the current role, not a stale one');
    // A pod of another role is still reported as stale.
    const other = sa({ 'eks.amazonaws.com/role-arn': 'other-role' });
    assert.equal(find(run(other, composed.newDocument), 'role-arn-current')[0].status, 'warn');
    // Not composed (the webhook without the flag injected nothing): a failure that names both fixes.
    const notComposed = find(run(named, rawPod()), 'role-arn-valid')[0];
    assert.equal(notComposed.status, 'fail');
    assert.match(notComposed.fix ?? '', /full role ARN.*--compose-role-arn --aws-account-id/);
  });

  test('audience, lifetime, token path and skip-containers', () => {
    const account = sa({ 'eks.amazonaws.com/role-arn': ROLE });
    const good = mutated(rawPod(), account);
    const withVolume = (fn: (t: Record<string, unknown>) => void) => {
      const p = structuredClone(good);
      const vol = (
        p.spec as {
          volumes: { name: string; projected: { sources: { serviceAccountToken: Record<string, unknown> }[] } }[];
        }
      ).volumes.find((v) => v.name === 'aws-iam-token')!;
      fn(vol.projected.sources[0].serviceAccountToken);
      return p;
    };
    assert.equal(
      status(
        account,
        withVolume((t) => delete t.audience),
        'token-audience',
      ),
      'fail',
    );
    assert.equal(
      status(
        account,
        withVolume((t) => (t.audience = 'kubernetes')),
        'token-audience',
      ),
      'fail',
    );
    const custom = sa({ 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/audience': 'my-client' });
    assert.equal(
      status(
        custom,
        withVolume((t) => (t.audience = 'my-client')),
        'token-audience',
      ),
      'warn',
    );
    assert.equal(
      status(
        account,
        withVolume((t) => (t.expirationSeconds = 300)),
        'token-expiration',
      ),
      'fail',
    );
    assert.equal(
      status(
        account,
        withVolume((t) => (t.path = 'other')),
        'token-file',
      ),
      'fail',
    );

    // a sidecar named in skip-containers needs nothing; one that is not named is a gap
    const twoContainers = rawPod('p', {
      containers: [
        { name: 'app', image: 'x' },
        { name: 'proxy', image: 'y' },
      ],
    });
    twoContainers.metadata!.annotations = { 'eks.amazonaws.com/skip-containers': 'proxy' };
    const skipped = find(run(account, mutated(twoContainers, account)), 'pod-mutated')[0];
    assert.equal(skipped.status, 'pass');
    assert.match(skipped.message, /skip-containers: proxy/);
    delete twoContainers.metadata!.annotations;
    const notSkipped = structuredClone(mutated(rawPod('p'), account));
    (notSkipped.spec as { containers: unknown[] }).containers.push({ name: 'proxy', image: 'y' });
    assert.equal(find(run(account, notSkipped), 'pod-mutated')[0].status, 'fail');
  });

  test('manual set-up (no annotation, own token volume and env) passes', () => {
    const manual = rawPod('m', {
      containers: [
        {
          name: 'app',
          image: 'x',
          env: [
            { name: 'AWS_ROLE_ARN', value: ROLE },
            { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/tokens/aws' },
          ],
          volumeMounts: [{ name: 'aws-token', mountPath: '/var/run/secrets/tokens' }],
        },
      ],
      volumes: [
        {
          name: 'aws-token',
          projected: {
            sources: [
              { serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'aws' } },
            ],
          },
        },
      ],
    });
    const checks = run(sa({}), manual);
    assert.deepEqual(
      checks.filter((c) => c.status !== 'pass').map((c) => c.id),
      [],
    );
  });

  test('published issuer mismatch warns (as --token-file does); fetch errors and a keyless cluster fail', () => {
    const other = fetchedFacts(cluster.discoveryText.replace(`${issuer}"`, `${issuer}/"`));
    const account = sa({ 'eks.amazonaws.com/role-arn': ROLE });
    const pod = mutated(rawPod(), account);
    const mismatch = podChecks({ pod, namespace: 'team', serviceAccount: account, cluster, published: other });
    assert.equal(find(mismatch, 'discovery-issuer')[0].status, 'warn');
    assert.match(find(mismatch, 'discovery-issuer')[0].message, /unconfirmed \(U1/);
    assert.equal(find(mismatch, 'signing-keys-published')[0].status, 'pass');
    const down = podChecks({
      pod,
      namespace: 'team',
      serviceAccount: account,
      cluster,
      published: {
        fetched: { ok: false, reason: 'connect', detail: 'discovery: connection refused', details: { documents: [] } },
        publicTrust: {},
      },
    });
    assert.equal(find(down, 'discovery')[0].status, 'fail');
    assert.match(find(down, 'discovery')[0].awsError ?? '', /Couldn't retrieve verification key/);
    assert.equal(find(down, 'signing-keys-published')[0].status, 'skip');
    const noKeys = podChecks({
      pod,
      namespace: 'team',
      serviceAccount: account,
      cluster: { ...cluster, jwksText: '{"keys":[]}' },
      published,
    });
    assert.equal(find(noKeys, 'cluster-jwks')[0].status, 'fail');
    assert.equal(find(noKeys, 'signing-keys-published')[0].status, 'skip');
    const unreadable = podChecks({
      pod,
      namespace: 'team',
      serviceAccount: account,
      cluster: { ...cluster, discoveryText: '{"issuer":42}' },
    });
    assert.equal(
      find(unreadable, 'cluster-jwks')[0].message,
      'apiserver discovery: "issuer" is a number, not a string',
    );
  });
});
