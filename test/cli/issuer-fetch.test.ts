// `irsa issuer fetch` against the local test API server, serving documents built by our own issuer code.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { buildDiscovery, serializeDiscovery } from '../../src/core/issuer/discovery.js';
import { buildJwks, serializeJwks } from '../../src/core/issuer/jwks.js';
import { nonPublicHostReason } from '../../src/core/issuer/public-host.js';
import { checkPublishedDocuments, publishLayout } from '../../src/core/issuer/published-check.js';
import { parseKeys } from '../../src/core/keys/parse.js';
import { CLI, runCli, tempDir } from '../support/cli.js';
import { EC_PUBLIC, RSA_PUBLIC } from '../support/key-fixtures.js';
import { type FakeKube, startKubeApiServer } from '../support/kube-apiserver.js';

const keys = [...parseKeys(readFileSync(RSA_PUBLIC), 'rsa'), ...parseKeys(readFileSync(EC_PUBLIC), 'ec')];
const jwks = buildJwks(keys);
const jwksText = serializeJwks(jwks);
const discoveryFor = (issuer: string, jwksUri: string) => serializeDiscovery(buildDiscovery(issuer, jwksUri, jwks));

/** An environment where only what the test passes can point at a cluster. */
function isolatedEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { HOME: home, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '', ...extra };
}

async function setup(t: { after: (fn: () => unknown) => void }) {
  const kube = await startKubeApiServer();
  t.after(() => kube.close());
  const dir = tempDir(t);
  return { kube, dir, kubeconfig: kube.writeKubeconfig(dir) };
}

// biome-ignore lint/suspicious/noExplicitAny: JSON output
const json = (stdout: string): any => JSON.parse(stdout);
const status = (out: { data: { checks: { id: string; status: string }[] } }, id: string) =>
  out.data.checks.filter((c) => c.id === id).map((c) => c.status);

async function fetchJson(kube: FakeKube, kubeconfig: string, outDir: string, extra: string[] = []) {
  const r = await runCli(['issuer', 'fetch', '--kubeconfig', kubeconfig, '--out-dir', outDir, '-o', 'json', ...extra], {
    env: isolatedEnv(outDir),
  });
  return { ...r, out: r.stdout ? json(r.stdout) : undefined, kube };
}

describe('irsa issuer fetch', { concurrency: true }, () => {
  test('writes both documents byte for byte in the issuer layout; every check passes', async (t) => {
    const { kube, dir, kubeconfig } = await setup(t);
    const issuer = 'https://oidc.example.com/cluster1';
    const discovery = discoveryFor(issuer, `${issuer}/openid/v1/jwks`);
    kube.setDiscovery(discovery, jwksText);
    const out = join(dir, 'public');
    const r = await runCli(['issuer', 'fetch', '--kubeconfig', kubeconfig, '--out-dir', out], {
      env: isolatedEnv(dir),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(out, '.well-known/openid-configuration'), 'utf8'), discovery);
    assert.equal(readFileSync(join(out, 'openid/v1/jwks'), 'utf8'), jwksText);
    assert.match(r.stdout, /0 failed/);
    assert.doesNotMatch(r.stdout, /FAIL/);
    // both came from the apiserver's own paths, with the kubeconfig's token
    const paths = kube.requests.map((q) => `${q.path} ${q.status}`);
    assert.deepEqual(paths, ['/.well-known/openid-configuration 200', '/openid/v1/jwks 200']);

    const j = await fetchJson(kube, kubeconfig, join(dir, 'again'));
    assert.equal(j.code, 0);
    assert.equal(j.out.ok, true);
    assert.equal(j.out.data.issuer, issuer);
    for (const id of [
      'issuer-https',
      'issuer-public',
      'jwks-uri-https',
      'jwks-uri-public',
      'jwks-kid',
      'jwks-public-only',
      'algorithms-match',
    ]) {
      assert.deepEqual(status(j.out, id), ['pass'], id);
    }
  });

  test('a second fetch with the same bytes is a no-op; changed documents replace files only with --force', async (t) => {
    const { kube, dir, kubeconfig } = await setup(t);
    const issuer = 'https://oidc.example.com/cluster1';
    kube.setDiscovery(discoveryFor(issuer, `${issuer}/openid/v1/jwks`), jwksText);
    const out = join(dir, 'public');
    const fetchInto = (extra: string[] = []) =>
      runCli(['issuer', 'fetch', '--kubeconfig', kubeconfig, '--out-dir', out, ...extra], { env: isolatedEnv(dir) });
    assert.equal((await fetchInto()).code, 0);
    const again = await fetchInto();
    assert.equal(again.code, 0, again.stderr);

    const jwksFile = join(out, 'openid/v1/jwks');
    writeFileSync(jwksFile, '{"keys":[]}\n');
    const refused = await fetchInto();
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /openid\/v1\/jwks already exists \(use --force to overwrite\)/);
    assert.equal(readFileSync(jwksFile, 'utf8'), '{"keys":[]}\n');
    const forced = await fetchInto(['--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(readFileSync(jwksFile, 'utf8'), jwksText);
  });

  test('jwks_uri keys.json (the seed layout) goes to DIR/keys.json; the JWKS is still read from /openid/v1/jwks', async (t) => {
    const { kube, dir, kubeconfig } = await setup(t);
    const issuer = 'https://irsa-bucket.s3.eu-west-1.amazonaws.com/c1';
    kube.setDiscovery(discoveryFor(issuer, `${issuer}/keys.json`), jwksText);
    const j = await fetchJson(kube, kubeconfig, dir);
    assert.equal(j.code, 0, j.stderr);
    assert.equal(readFileSync(join(dir, 'keys.json'), 'utf8'), jwksText);
    assert.equal(j.out.data.files.jwks, join(dir, 'keys.json'));
  });

  test("the default jwks_uri (the apiserver's own address) fails, exit 1", async (t) => {
    const { kube, dir, kubeconfig } = await setup(t);
    const host = new URL(kube.url).host; // 127.0.0.1:PORT, as kube-apiserver derives it from ExternalAddress
    kube.setDiscovery(discoveryFor('https://oidc.example.com', `https://${host}/openid/v1/jwks`), jwksText);
    const j = await fetchJson(kube, kubeconfig, dir);
    assert.equal(j.code, 1);
    assert.equal(j.out.ok, false);
    assert.deepEqual(status(j.out, 'jwks-uri-public'), ['fail']);
    const msg = j.out.data.checks.find((c: { id: string }) => c.id === 'jwks-uri-public').message;
    assert.match(msg, /API server's own address/);
    assert.match(msg, /--service-account-jwks-uri/);
    assert.deepEqual(status(j.out, 'issuer-public'), ['pass']);
  });

  test('cluster-internal issuer and jwks_uri hosts fail', async (t) => {
    const { kube, dir, kubeconfig } = await setup(t);
    const issuer = 'https://kubernetes.default.svc.cluster.local';
    kube.setDiscovery(discoveryFor(issuer, 'https://10.0.0.1:6443/openid/v1/jwks'), jwksText);
    const j = await fetchJson(kube, kubeconfig, dir);
    assert.equal(j.code, 1);
    assert.deepEqual(status(j.out, 'issuer-public'), ['fail']);
    assert.deepEqual(status(j.out, 'jwks-uri-public'), ['fail']);
  });

  test('http issuer, algorithm mismatch, wrong kid and private members each fail', async (t) => {
    const { kube, dir, kubeconfig } = await setup(t);
    const issuer = 'http://oidc.example.com';
    const discovery = JSON.stringify({
      ...JSON.parse(discoveryFor('https://x.example.com', 'https://oidc.example.com/openid/v1/jwks')),
      issuer,
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const bad = structuredClone(jwks) as { keys: Record<string, string>[] };
    bad.keys[0].kid = 'not-the-kid';
    bad.keys[1].d = 'c2VjcmV0';
    kube.setDiscovery(discovery, JSON.stringify(bad));
    const j = await fetchJson(kube, kubeconfig, dir);
    assert.equal(j.code, 1);
    assert.deepEqual(status(j.out, 'issuer-https'), ['fail']);
    assert.deepEqual(status(j.out, 'algorithms-match'), ['fail']);
    assert.deepEqual(status(j.out, 'jwks-kid'), ['fail']);
    assert.deepEqual(status(j.out, 'jwks-public-only'), ['fail']);
    const kidMsg = j.out.data.checks.find((c: { id: string }) => c.id === 'jwks-kid').message;
    assert.match(kidMsg, /JHJehTTTZlsspKHT-GaJxK7Kd1NQgZJu3fyK6K_QDYU/);
  });

  test('kubeconfig resolution: $KUBECONFIG list, ~/.kube/config, --context', async (t) => {
    const { kube, dir } = await setup(t);
    kube.setDiscovery(discoveryFor('https://oidc.example.com', 'https://oidc.example.com/openid/v1/jwks'), jwksText);
    const cfg = kube.writeKubeconfig(dir, { context: 'prod', fileName: 'prod.yaml' });
    const viaEnv = await runCli(['issuer', 'fetch', '--out-dir', join(dir, 'a')], {
      env: isolatedEnv(dir, { KUBECONFIG: `${join(dir, 'missing.yaml')}:${cfg}` }),
    });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    const home = join(dir, 'home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeFileSync(join(home, '.kube/config'), kube.kubeconfigYaml({ context: 'home' }));
    const viaHome = await runCli(['issuer', 'fetch', '--out-dir', join(dir, 'b'), '--context', 'home'], {
      env: isolatedEnv(home),
    });
    assert.equal(viaHome.code, 0, viaHome.stderr);
    assert.match(viaHome.stdout, /context home/);
  });

  test('one-line errors through the CLI: unknown context; 403 with its hint; never the token', async (t) => {
    const { kube, dir, kubeconfig } = await setup(t);
    kube.setDiscovery('{}', '{}');
    const oneLine = (r: { code: number; stderr: string; stdout: string }, re: RegExp) => {
      assert.equal(r.code, 1);
      assert.match(r.stderr.split('\n')[0], re);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.doesNotMatch(r.stderr + r.stdout, new RegExp(kube.token), 'token never printed');
    };
    const run = (args: string[]) =>
      runCli(['issuer', 'fetch', '--out-dir', join(dir, 'out'), '--kubeconfig', kubeconfig, ...args], {
        env: isolatedEnv(dir),
      });
    oneLine(await run(['--context', 'nope']), /^irsa issuer fetch: context "nope" not found in .*\(contexts: fake\)$/);
    kube.failNext(/openid-configuration/, 403);
    const forbidden = await run([]);
    oneLine(forbidden, /403 Forbidden/);
    assert.match(forbidden.stderr, /hint: .*system:service-account-issuer-discovery/);
  });

  test('errors (in-process): unreadable file, garbage, no configuration, 401, 404, unreachable, TLS', async (t) => {
    const { kube, dir, kubeconfig } = await setup(t);
    const { issuerFetch } = await import('../../src/cli/commands/issuer-fetch.js');
    const { loadKubeConfig } = await import('../../src/io/kube/client.js');
    const ctx = { warn() {}, warnings: [] } as unknown as Parameters<typeof issuerFetch>[1];
    const fetchWith = (file: string) => issuerFetch({ kubeconfig: file, outDir: join(dir, 'out') }, ctx);
    const code = (c: string, re: RegExp) => (e: { code?: string; message: string }) => {
      assert.equal(e.code, c, e.message);
      assert.match(e.message, re);
      assert.doesNotMatch(e.message, /\n/);
      assert.doesNotMatch(e.message, new RegExp(kube.token));
      return true;
    };
    await assert.rejects(
      fetchWith(join(dir, 'absent')),
      code('ERR_KUBECONFIG_NOT_FOUND', /absent: cannot read --kubeconfig \(no such file\)/),
    );
    await assert.rejects(
      loadKubeConfig({}, { HOME: join(dir, 'empty-home') }),
      code('ERR_KUBECONFIG_NOT_FOUND', /no Kubernetes configuration found/),
    );
    await assert.rejects(
      loadKubeConfig({}, { HOME: dir, KUBECONFIG: join(dir, 'nope.yaml') }),
      code('ERR_KUBECONFIG_NOT_FOUND', /KUBECONFIG=.*nope\.yaml: no such file/),
    );
    writeFileSync(join(dir, 'garbage'), 'clusters: [[[');
    await assert.rejects(
      fetchWith(join(dir, 'garbage')),
      code('ERR_KUBECONFIG_INVALID', /garbage: not a valid kubeconfig/),
    );
    writeFileSync(join(dir, 'no-current'), kube.kubeconfigYaml().replace(/current-context: .*\n/, ''));
    await assert.rejects(
      fetchWith(join(dir, 'no-current')),
      code('ERR_KUBE_CONTEXT', /has no current-context; pass --context/),
    );
    await assert.rejects(fetchWith(kubeconfig), code('ERR_DISCOVERY_NOT_SERVED', /404/));
    kube.setDiscovery('{}', '{}');
    writeFileSync(join(dir, 'bad-token'), kube.kubeconfigYaml().replace(kube.token, 'wrong-token'));
    await assert.rejects(fetchWith(join(dir, 'bad-token')), code('ERR_KUBE_UNAUTHORIZED', /401 Unauthorized/));
    writeFileSync(join(dir, 'closed'), kube.kubeconfigYaml().replace(kube.url, 'https://127.0.0.1:1'));
    await assert.rejects(
      fetchWith(join(dir, 'closed')),
      code(
        'ERR_KUBE_UNREACHABLE',
        /cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:1 \(connection refused\)/,
      ),
    );
    writeFileSync(join(dir, 'no-ca'), kube.kubeconfigYaml().replace(/ {4}certificate-authority-data: .*\n/, ''));
    await assert.rejects(fetchWith(join(dir, 'no-ca')), code('ERR_KUBE_TLS', /TLS verification failed/));
    // a document that is not JSON: nothing written, a failed check rather than a crash
    kube.setDiscovery('<html>', '{}');
    const report = await fetchWith(kubeconfig);
    assert.equal(report.ok, false);
    assert.ok(
      (report.data as { checks: { id: string; status: string }[] }).checks.some(
        (c) => c.id === 'write' && c.status === 'fail',
      ),
    );
  });

  test('the Kubernetes client is never loaded by the CLI entry: only by a dynamic import() inside a command', () => {
    // Follow the static imports of the built entry: none may reach @kubernetes/client-node.
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(file, 'utf8');
      for (const m of code.matchAll(/^import\s+(?:[^'"]*?\sfrom\s*)?["']([^"']+)["'];?/gms)) {
        assert.notEqual(m[1], '@kubernetes/client-node', `${file} imports the Kubernetes client statically`);
        if (m[1].startsWith('.')) visit(resolve(dirname(file), m[1]));
      }
    };
    visit(CLI);
    assert.ok(seen.size >= 1);
    const fetchChunk = readFileSync(CLI, 'utf8').match(/import\("(\.\/chunks\/issuer-fetch-[^"]+)"\)/);
    assert.ok(fetchChunk, 'issuer fetch is its own lazily imported chunk');
  });

  test('documents that are not what STS reads: one line naming the document and the field (schemas, pure)', () => {
    const first = (discoveryText: string, jwksText = '{"keys":[]}') =>
      checkPublishedDocuments({ discoveryText, jwksText }).find((c) => c.id === 'discovery-json')?.message;
    assert.equal(first('<html>'), 'discovery document: not JSON');
    assert.equal(first('[1]'), 'discovery document: not a JSON object (a list)');
    assert.equal(first('{"jwks_uri":"https://h/k"}'), 'discovery document: "issuer" is missing');
    assert.equal(
      first('{"issuer":42,"jwks_uri":"https://h/k"}'),
      'discovery document: "issuer" is a number, not a string',
    );
    assert.equal(first('{"issuer":"","jwks_uri":"https://h/k"}'), 'discovery document: "issuer" is empty');
    const jwks = (jwksText: string) =>
      checkPublishedDocuments({ discoveryText: '{}', jwksText }).find((c) => c.id === 'jwks-json')?.message;
    assert.equal(jwks('{"keys":"x"}'), 'JWKS: "keys" is a string, not a list');
    assert.equal(jwks('{}'), 'JWKS: "keys" is missing');
    assert.equal(jwks('null'), 'JWKS: not a JSON object (null)');
    assert.equal(jwks('{"keys":[]}'), 'JWKS has no keys: tokens cannot be verified');
    // A layout that cannot be computed is an IrsaError, never a TypeError's "Invalid URL".
    assert.throws(() => publishLayout('not a url', 'https://h.example.com/k'), {
      code: 'ERR_ISSUER_INVALID',
      message: 'issuer not a url is not a URL',
    });
  });

  test('host classification and output layout (pure)', () => {
    for (const h of [
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.10',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '::1',
      '[fd00::1]',
      'fe80::1',
      '::ffff:10.0.0.1',
      'localhost',
      'kubernetes',
      'kubernetes.default.svc',
      'api.kube-system.svc',
      'oidc.cluster.local',
      'ip-10-0-0-1.ec2.internal',
      'control-plane-1',
    ]) {
      assert.ok(nonPublicHostReason(h), h);
    }
    for (const h of [
      'oidc.example.com',
      'irsa.s3.eu-west-1.amazonaws.com',
      '203.0.113.7',
      '2001:db8::1',
      '172.32.0.1',
    ]) {
      assert.equal(nonPublicHostReason(h), undefined, h);
    }
    assert.match(nonPublicHostReason('203.0.113.7', '203.0.113.7') ?? '', /API server's own address/);
    assert.deepEqual(publishLayout('https://h.example.com/c1/', 'https://h.example.com/c1/keys.json'), {
      discovery: '.well-known/openid-configuration',
      jwks: 'keys.json',
      note: undefined,
    });
    assert.equal(publishLayout('https://h.example.com', 'https://other.example.com/x/jwks').jwks, 'x/jwks');
    assert.match(
      publishLayout('https://h.example.com', 'https://other.example.com/x/jwks').note ?? '',
      /not under the issuer/,
    );
    assert.throws(() => publishLayout('https://h.example.com', 'https://h.example.com/'), {
      code: 'ERR_JWKS_URI_INVALID',
    });
    assert.throws(() => publishLayout('https://h.example.com', 'https://h.example.com/a%2F..%2F..%2Fetc'), {
      code: 'ERR_JWKS_URI_INVALID',
    });
  });
});
