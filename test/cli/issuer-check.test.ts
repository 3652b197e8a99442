// `irsa issuer check` end to end: local test apiservers (an HA pair with different key sets, TokenRequest), the
// sandbox's HTTPS issuer host (and a caching CDN in front of it for the stale copy), moto for the IAM provider and
// the sandbox's STS for the canary. Each scenario: the expected check results and the exit code.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultRoleName } from '../../src/core/aws/arn.js';
import { buildTrustPolicy } from '../../src/core/aws/trust-policy-builder.js';
import { IamExecutor } from '../../src/io/aws/iam-executor.js';
import { startCachingCdn } from '../support/caching-cdn.js';
import { runCli } from '../support/cli.js';
import { type IssuerWorld, startIssuerWorld, WATCH_NS, WATCH_SA } from '../support/issuer-world.js';
import { type MotoServer, startMoto } from '../support/moto-server.js';

type Checked = {
  code: number;
  stderr: string;
  status: (id: string) => string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: JSON output
  out: any;
  message: (id: string) => string;
};

async function check(w: IssuerWorld, args: string[], env: Record<string, string> = {}): Promise<Checked> {
  const r = await runCli(
    [
      'issuer',
      'check',
      '--kubeconfig',
      w.kubeconfig,
      '--service-account',
      `${WATCH_NS}/${WATCH_SA}`,
      '-o',
      'json',
      ...args,
    ],
    { env: w.env(env) },
  );
  // biome-ignore lint/suspicious/noExplicitAny: JSON output
  const out: any = r.stdout ? JSON.parse(r.stdout) : undefined;
  const find = (id: string) => (out?.data?.checks ?? []).find((c: { id: string }) => c.id === id);
  return {
    code: r.code,
    stderr: r.stderr,
    out,
    status: (id) => find(id)?.status,
    message: (id) => find(id)?.message ?? '',
  };
}

/** The statuses of the checks named, for one assertion per scenario. */
function statuses(r: Checked, ids: string[]): Record<string, string | undefined> {
  return Object.fromEntries(ids.map((id) => [id, r.status(id)]));
}

describe('irsa issuer check', { concurrency: true }, () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
  });
  after(() => moto?.stop());
  const motoEnv = () => ({
    AWS_ENDPOINT_URL_IAM: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  const motoIam = (t: { after: (fn: () => unknown) => void }) => {
    const iam = new IamExecutor({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    t.after(() => iam.destroy());
    return iam;
  };

  test('healthy: every plane agrees; the IAM provider read from moto matches; exit 0', async (t) => {
    const w = await startIssuerWorld(t, { apiservers: 2 });
    const { old } = w.keys;
    await w.publish([old]);
    w.hold(0, [old]);
    w.hold(1, [old]);
    w.signWith(old);
    await motoIam(t).ensureOidcProvider({
      url: w.issuer,
      clientIds: ['sts.amazonaws.com'],
      thumbprints: [await w.servedThumbprint()],
    });
    const r = await check(w, ['--issuer', w.issuer], motoEnv());
    assert.deepEqual(
      statuses(r, [
        'apiserver-keysets',
        'signing-key-published',
        'apiserver-keys-published',
        'public-copy',
        'tls-expiry',
        'iam-provider',
        'iam-client-ids',
        'thumbprint',
      ]),
      {
        'apiserver-keysets': 'pass',
        'signing-key-published': 'pass',
        'apiserver-keys-published': 'pass',
        'public-copy': 'pass',
        'tls-expiry': 'pass',
        'iam-provider': 'pass',
        'iam-client-ids': 'pass',
        thumbprint: 'pass',
      },
    );
    assert.match(r.message('apiserver-keysets'), /^2 apiserver endpoint\(s\) serve the same 1 key/);
    // The sandbox's issuer host has a private CA: reported, and the only warning.
    assert.equal(r.status('tls'), 'warn');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.out.ok, true);
  });

  test('rotation half done: the apiserver signs with a key not yet published; exit 1', async (t) => {
    const w = await startIssuerWorld(t);
    const { old, next } = w.keys;
    await w.publish([old]);
    w.hold(0, [old, next]);
    w.signWith(next);
    const r = await check(w, ['--issuer', w.issuer]);
    assert.equal(r.status('signing-key-published'), 'fail');
    assert.match(r.message('signing-key-published'), /signs with a key AWS cannot see/);
    assert.equal(r.status('apiserver-keys-published'), 'fail');
    assert.equal(r.status('apiserver-keysets'), 'pass');
    assert.equal(r.code, 1);
    assert.equal(r.out.ok, false);
  });

  test('HA split: two apiserver endpoints hold different key sets; exit 1', async (t) => {
    const w = await startIssuerWorld(t, { apiservers: 2 });
    const { old, next } = w.keys;
    await w.publish([old, next]);
    w.hold(0, [old]);
    w.hold(1, [old, next]);
    w.signWith(old);
    const r = await check(w, ['--issuer', w.issuer]);
    assert.equal(r.status('apiserver-keysets'), 'fail');
    assert.match(
      r.message('apiserver-keysets'),
      /2 different key sets: 127\.0\.0\.1:\d+ serve .*; 127\.0\.0\.2:\d+ serve/,
    );
    // Every key of either apiserver is published: AWS is fine, the cluster is not.
    assert.equal(r.status('apiserver-keys-published'), 'pass');
    assert.equal(r.code, 1);
  });

  test('stale CDN: the cached copy lacks the new key the origin has; Age and Cache-Control reported', async (t) => {
    const w = await startIssuerWorld(t);
    const cdn = await startCachingCdn(w.sb.issuerUrlBase, w.sb.caPem);
    t.after(() => cdn.close());
    const issuer = `${cdn.url}/c1`;
    const { old, next } = w.keys;
    await w.publish([old], issuer);
    w.hold(0, [old], issuer);
    w.signWith(old, issuer);
    const warm = await check(w, ['--issuer', issuer]);
    assert.equal(warm.code, 0, warm.stderr);
    // The rotation publishes the new key at the origin; the CDN still holds yesterday's copy.
    await w.publish([old, next], issuer);
    w.hold(0, [old, next], issuer);
    w.signWith(next, issuer);
    const r = await check(w, ['--issuer', issuer]);
    assert.equal(r.status('public-copy'), 'warn');
    assert.match(
      r.message('public-copy'),
      /^stale copy: .* serves .*, the origin \(cache-busted\) serves .*Cache-Control: public, max-age=3600, Age \d+ s$/,
    );
    assert.equal(r.status('signing-key-published'), 'fail');
    assert.equal(r.code, 1);
  });

  test('thumbprint mismatch: the provider in moto registers another chain than the host serves; exit 1', async (t) => {
    const w = await startIssuerWorld(t);
    const { old } = w.keys;
    await w.publish([old]);
    w.hold(0, [old]);
    w.signWith(old);
    await motoIam(t).ensureOidcProvider({
      url: w.issuer,
      clientIds: ['sts.amazonaws.com'],
      thumbprints: ['A'.repeat(40)],
    });
    const r = await check(w, ['--issuer', w.issuer], motoEnv());
    assert.equal(r.status('iam-provider'), 'pass');
    assert.equal(r.status('thumbprint'), 'fail');
    assert.equal(r.code, 1);
  });

  test('provider missing: no IAM OIDC provider for the issuer in moto; exit 1', async (t) => {
    const w = await startIssuerWorld(t);
    const { old } = w.keys;
    await w.publish([old]);
    w.hold(0, [old]);
    w.signWith(old);
    const r = await check(w, ['--issuer', w.issuer], motoEnv());
    assert.equal(r.status('iam-provider'), 'fail');
    assert.match(r.message('iam-provider'), /no IAM OIDC provider for/);
    assert.equal(r.code, 1);
  });

  test('expiring certificate on the issuer host: a warning, exit 0', async (t) => {
    const w = await startIssuerWorld(t, { certDays: 5 });
    const { old } = w.keys;
    await w.publish([old]);
    w.hold(0, [old]);
    w.signWith(old);
    const r = await check(w, ['--issuer', w.issuer]);
    assert.equal(r.status('tls-expiry'), 'warn');
    assert.match(r.message('tls-expiry'), /expires in [45] day\(s\)/);
    assert.equal(r.code, 0, r.stderr);
  });

  test('checks that cannot run warn and say why: no AWS credentials, endpoints and TokenRequest forbidden', async (t) => {
    const w = await startIssuerWorld(t);
    const { old } = w.keys;
    await w.publish([old]);
    w.hold(0, [old]);
    const kube = w.apiservers[0];
    kube.failNext(/endpointslices/, 403, { count: 5 });
    kube.failNext(/endpoints\/kubernetes$/, 403, { count: 5 });
    const r = await check(w, ['--issuer', w.issuer]);
    assert.deepEqual(statuses(r, ['apiserver-keysets', 'signing-key-published', 'iam-provider']), {
      'apiserver-keysets': 'warn',
      'signing-key-published': 'warn',
      'iam-provider': 'warn',
    });
    assert.match(r.message('apiserver-keysets'), /through the cluster address only/);
    assert.match(r.message('iam-provider'), /^IAM not checked: /);
    assert.equal(r.code, 0, r.stderr);
  });

  test('a cluster without the EndpointSlice: the apiservers are read from the Endpoints object', async (t) => {
    const w = await startIssuerWorld(t, { apiservers: 2 });
    const { old } = w.keys;
    await w.publish([old]);
    w.hold(0, [old]);
    w.hold(1, [old]);
    w.signWith(old);
    const kube = w.apiservers[0];
    kube.remove('endpointslices', 'default', 'kubernetes');
    const port = Number(new URL(kube.url).port);
    kube.put('endpoints', {
      metadata: { name: 'kubernetes', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '127.0.0.1' }, { ip: '127.0.0.2' }], ports: [{ name: 'https', port }] }],
    });
    const r = await check(w, ['--issuer', w.issuer]);
    assert.equal(r.status('apiserver-keysets'), 'pass');
    assert.match(r.message('apiserver-keysets'), /^2 apiserver endpoint\(s\)/);
    assert.equal(r.code, 0, r.stderr);
  });

  test('STS canary through the sandbox: credentials while healthy, InvalidIdentityToken once the signing key is unpublished', async (t) => {
    const w = await startIssuerWorld(t);
    const { old, next } = w.keys;
    await w.publish([old]);
    w.hold(0, [old]);
    w.signWith(old);
    const iam = new IamExecutor({
      endpoint: w.sb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    t.after(() => iam.destroy());
    const provider = await iam.ensureOidcProvider({
      url: w.issuer,
      clientIds: ['sts.amazonaws.com'],
      thumbprints: [await w.servedThumbprint()],
    });
    const role = await iam.ensureRole({
      name: defaultRoleName(WATCH_NS, WATCH_SA),
      trustPolicy: buildTrustPolicy({
        providerArn: provider.arn,
        providerUrl: w.issuer,
        namespace: WATCH_NS,
        serviceAccount: WATCH_SA,
      }),
    });
    const env = {
      AWS_ENDPOINT_URL_STS: w.sb.endpoint,
      AWS_ENDPOINT_URL_IAM: w.sb.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    const healthy = await check(w, ['--issuer', w.issuer, '--canary-role', role.arn], env);
    assert.equal(healthy.status('sts-canary'), 'pass', healthy.message('sts-canary'));
    assert.equal(healthy.code, 0, healthy.stderr);
    w.hold(0, [old, next]);
    w.signWith(next);
    const broken = await check(w, ['--issuer', w.issuer, '--canary-role', role.arn], env);
    assert.equal(broken.status('sts-canary'), 'fail');
    assert.match(
      broken.out.data.checks.find((c: { id: string }) => c.id === 'sts-canary').awsError,
      /^InvalidIdentityToken: /,
    );
    assert.equal(broken.code, 1);
  });
});

// Reproduction: `irsa issuer check --canary-role bad` ran every check and then reported the canary as STS's failure.
test('a --canary-role that is not a role ARN: a usage error naming the flag before any check runs', async () => {
  for (const command of [
    ['issuer', 'check'],
    ['issuer', 'watch'],
  ]) {
    const r = await runCli([
      ...command,
      '--output',
      'json',
      '--issuer',
      'https://oidc.example.com/c1',
      '--canary-role',
      'bad',
    ]);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.error.code, 'ERR_ROLE_ARN');
    assert.match(report.error.message, /^--canary-role must be an IAM role ARN .*got: bad$/);
  }
});
