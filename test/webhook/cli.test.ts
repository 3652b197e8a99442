/**
 * The two commands as a user runs them (built dist/cli.js): `irsa webhook certs` and `irsa webhook serve`
 * (flags, a conformance case through real flags, the Kubernetes source through --kubeconfig, SIGTERM drain).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { CLI, runCli, tempDir } from '../support/cli.js';
import { startKubeApiServer } from '../support/kube-apiserver.js';
import {
  applyPatch,
  caseServiceAccount,
  loadMutationCases,
  normalizePod,
  settingsFromFlags,
} from '../support/webhook-conformance.js';
import { decodePatch, pod, ROLE, review, send, testPki } from './helpers.js';

describe('irsa webhook certs', () => {
  test('writes a CA and a serving certificate with the Service SANs; never overwrites without --force', async (t) => {
    const dir = tempDir(t);
    const r = await runCli([
      'webhook',
      'certs',
      '--service',
      'irsa-webhook',
      '--namespace',
      'irsa',
      '--out-dir',
      dir,
      '--days',
      '90',
      '--output',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, true);
    const ca = new X509Certificate(readFileSync(join(dir, 'ca.crt')));
    const leaf = new X509Certificate(readFileSync(join(dir, 'tls.crt')));
    assert.equal(ca.ca, true);
    assert.equal(leaf.ca, false);
    assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
    assert.equal(
      leaf.subjectAltName,
      'DNS:irsa-webhook, DNS:irsa-webhook.irsa, DNS:irsa-webhook.irsa.svc, DNS:irsa-webhook.irsa.svc.cluster.local',
    );
    assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1']); // extended key usage: serverAuth
    const days = (new Date(leaf.validTo).getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 89 && days <= 90, `${days} days`);
    assert.equal(statSync(join(dir, 'tls.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'ca.key')).mode & 0o777, 0o600);
    assert.equal(out.data.caBundle, readFileSync(join(dir, 'ca.crt')).toString('base64'));
    assert.ok(!r.stdout.includes('PRIVATE KEY'));
    // The key matches the certificate (a TLS context accepts the pair).
    const { createSecureContext } = await import('node:tls');
    createSecureContext({ cert: readFileSync(join(dir, 'tls.crt')), key: readFileSync(join(dir, 'tls.key')) });

    const again = await runCli([
      'webhook',
      'certs',
      '--service',
      'irsa-webhook',
      '--namespace',
      'irsa',
      '--out-dir',
      dir,
    ]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists \(use --force to overwrite\)/);
    assert.equal(new X509Certificate(readFileSync(join(dir, 'tls.crt'))).serialNumber, leaf.serialNumber);

    const forced = await runCli([
      'webhook',
      'certs',
      '--service',
      'irsa-webhook',
      '--namespace',
      'irsa',
      '--out-dir',
      dir,
      '--force',
    ]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.notEqual(new X509Certificate(readFileSync(join(dir, 'tls.crt'))).serialNumber, leaf.serialNumber);
  });

  test('rejects a Service name that is not a DNS label', async () => {
    const r = await runCli([
      'webhook',
      'certs',
      '--service',
      'Bad_Name',
      '--namespace',
      'x',
      '--out-dir',
      '/tmp/never',
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--service must be a DNS label/);
  });
});

interface Served {
  child: ChildProcess;
  port: number;
  metricsPort: number;
  stderr: () => string;
  /** Resolves once stderr matches `re` (a line the server logged; rejects after timeoutMs): the server signals. */
  logged: (re: RegExp, timeoutMs?: number) => Promise<void>;
  exited: Promise<number | null>;
}

/** Starts `irsa webhook serve` on free ports and waits for its "webhook listening" line. */
async function serve(t: { after: (fn: () => unknown) => void }, args: string[]): Promise<Served> {
  const child = spawn(
    process.execPath,
    [CLI, 'webhook', 'serve', '--port', '0', '--metrics-port', '0', '--bind-address', '127.0.0.1', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const listening = await new Promise<{ port: number; metricsPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 30_000);
    child.stderr!.on('data', (d) => {
      err += d;
      const line = err.split('\n').find((l) => l.includes('"webhook listening"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
    child.on('exit', () => reject(new Error(`serve exited: ${err}`)));
  });
  const logged = (re: RegExp, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`serve did not log ${re} within ${timeoutMs} ms: ${err}`)),
        timeoutMs,
      );
      const check = () => {
        if (!re.test(err)) return false;
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve();
        return true;
      };
      const onData = () => void check();
      if (check()) return;
      child.stderr!.on('data', onData);
      exited.then(() => check() || reject(new Error(`serve exited before logging ${re}: ${err}`)));
    });
  return { child, ...listening, stderr: () => err, logged, exited };
}

/**
 * Serves ServiceAccount default/app (role-arn annotation `roleArn`) from a file with these extra flags, and sends
 * it one pod; returns the server and the AdmissionReview response.
 */
async function serveOneServiceAccount(t: { after: (fn: () => unknown) => void }, roleArn: string, flags: string[]) {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'sa.yaml'),
    stringify({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'app', namespace: 'default', annotations: { 'eks.amazonaws.com/role-arn': roleArn } },
    }),
  );
  const s = await serve(t, [...(await certFiles(dir)), '--service-accounts-file', join(dir, 'sa.yaml'), ...flags]);
  const pki = await testPki();
  const res = await send(`https://127.0.0.1:${s.port}`, pki.caPem, {
    body: review(pod()),
    contentType: 'application/json',
  });
  return { s, response: res.json().response };
}

async function certFiles(dir: string) {
  const pki = await testPki();
  writeFileSync(join(dir, 'tls.crt'), pki.certPem);
  writeFileSync(join(dir, 'tls.key'), pki.keyPem);
  return ['--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key')];
}

describe('irsa webhook serve', () => {
  test('a container-credentials conformance case through the real upstream flags', async (t) => {
    const c = loadMutationCases().find((x) => x.file === 'containercredentials.rawPodNeedsAll.json')!;
    const dir = tempDir(t);
    writeFileSync(join(dir, 'sa.yaml'), stringify(caseServiceAccount(c)));
    writeFileSync(join(dir, 'cc.json'), JSON.stringify(c.containerCredentialsConfig));
    const flags = Object.entries(c.webhookFlags).flatMap(([k, v]) =>
      k === 'watch-container-credentials-config' ? [`--${k}`, join(dir, 'cc.json')] : [`--${k}`, v],
    );
    const s = await serve(t, [...(await certFiles(dir)), '--service-accounts-file', join(dir, 'sa.yaml'), ...flags]);
    const pki = await testPki();
    const res = await send(`https://127.0.0.1:${s.port}`, pki.caPem, {
      body: review(c.pod, { namespace: c.namespace }),
      contentType: 'application/json',
    });
    const actual = applyPatch(c.pod, decodePatch(res.json().response));
    assert.equal(c.tolerances, undefined, 'this case has no jitter (its ServiceAccount sets the expiration)');
    assert.deepEqual(normalizePod(actual), normalizePod(c.expectedPod));
    assert.ok(settingsFromFlags(c.webhookFlags, c.containerCredentialsConfig).containerCredentials);
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
  });

  test('SIGTERM: the in-flight request completes (Kubernetes source, miss-then-GET), exit 0 within 10 s', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    const dir = tempDir(t);
    const s = await serve(t, [
      ...(await certFiles(dir)),
      '--kubeconfig',
      kube.writeKubeconfig(dir),
      '--service-account-lookup-grace-period',
      '5s',
    ]);
    const pki = await testPki();
    const url = `https://127.0.0.1:${s.port}`;
    // Ready once the informer synced (it logs that).
    await s.logged(/ServiceAccount informer synced/);
    assert.equal((await send(url, pki.caPem, { method: 'GET', path: '/readyz' })).status, 200);
    const inflight = send(url, pki.caPem, {
      body: review(pod('late'), { namespace: 'ns1' }),
      contentType: 'application/json',
    });
    // The pod's lookup has asked the API (404), then SIGTERM; the ServiceAccount appears only once draining began.
    await kube.waitForRequest((r) => r.path === '/api/v1/namespaces/ns1/serviceaccounts/late');
    const killedAt = Date.now();
    s.child.kill('SIGTERM');
    await s.logged(/"msg":"draining"/);
    kube.put('serviceaccounts', {
      metadata: { name: 'late', namespace: 'ns1', annotations: { 'eks.amazonaws.com/role-arn': ROLE } },
    });
    const res = await inflight;
    assert.equal(res.status, 200);
    assert.ok(decodePatch(res.json().response).length > 0, 'mutated although shutting down');
    assert.equal(await s.exited, 0);
    assert.ok(Date.now() - killedAt < 10_000, `exited after ${Date.now() - killedAt} ms`);
    assert.match(s.stderr(), /"msg":"draining"/);
    assert.ok(!s.stderr().includes(kube.token), 'the bearer token is never logged');
  });

  test("the EKS webhook Deployment's args work unchanged (drop-in)", async (t) => {
    const { s, response } = await serveOneServiceAccount(t, ROLE, [
      // upstream deploy/deployment-base.yaml plus klog flags
      '--in-cluster=false',
      '--namespace=eks',
      '--service-name=pod-identity-webhook',
      '--annotation-prefix=eks.amazonaws.com',
      '--token-audience=sts.amazonaws.com',
      '--logtostderr',
      '-v=4',
      '--service-account-lookup-grace-period=250ms',
      '--resync-period=60s',
      '--tls-min-version=VersionTLS12',
    ]);
    assert.ok(decodePatch(response).length > 0);
    // -v=4 turns on debug logs: the admission line is written.
    await s.logged(/"msg":"admission"/);
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
  });

  test('--compose-role-arn --aws-account-id: a role name on the ServiceAccount is injected as an ARN', async (t) => {
    const { s, response } = await serveOneServiceAccount(t, 'orders-api', [
      '--compose-role-arn=true',
      '--aws-account-id',
      '444455556666',
      '--aws-default-region',
      'us-gov-west-1',
    ]);
    const env = decodePatch(response).find((op) => op.path.endsWith('/env'))?.value as Array<{
      name: string;
      value: string;
    }>;
    assert.equal(env.find((e) => e.name === 'AWS_ROLE_ARN')?.value, 'arn:aws-us-gov:iam::444455556666:role/orders-api');
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
  });

  test('bad flags and files fail at start with one line', async (t) => {
    const dir = tempDir(t);
    const r1 = await runCli(['webhook', 'serve', '--token-expiration', '100', '--service-accounts-file', '/nope']);
    assert.equal(r1.code, 1);
    assert.match(r1.stderr, /--token-expiration must be at least 600/);
    writeFileSync(join(dir, 'sa.yaml'), '');
    const r2 = await runCli([
      'webhook',
      'serve',
      '--service-accounts-file',
      join(dir, 'sa.yaml'),
      '--tls-cert',
      join(dir, 'none.crt'),
      '--tls-key',
      join(dir, 'none.key'),
    ]);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /none\.crt: cannot read TLS certificate \(no such file\)/);
    const r3 = await runCli(['webhook', 'serve', '--service-accounts-file', join(dir, 'missing.yaml')]);
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, /missing\.yaml: cannot read ServiceAccounts \(no such file\)/);
    const r4 = await runCli(['webhook', 'serve', '--service-account-lookup-grace-period', '2x']);
    assert.equal(r4.code, 1);
    assert.match(r4.stderr, /--service-account-lookup-grace-period must be a duration such as/);
    const r5 = await runCli(['webhook', 'serve', '--compose-role-arn']);
    assert.equal(r5.code, 1);
    assert.match(r5.stderr, /--compose-role-arn needs --aws-account-id/);
    const r6 = await runCli(['webhook', 'serve', '--compose-role-arn', '--aws-account-id', '1234']);
    assert.equal(r6.code, 1);
    assert.match(r6.stderr, /--aws-account-id must be 12 digits, got: 1234/);
    const r7 = await runCli(['webhook', 'serve', '--compose-role-arn=maybe', '--aws-account-id', '444455556666']);
    assert.equal(r7.code, 1);
    assert.match(r7.stderr, /--compose-role-arn takes true or false, got: maybe/);
    for (const r of [r5, r6, r7]) assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });
});

/** A loopback port held by a listener of this test process (another process, to the CLI) until the test ends. */
async function heldPort(t: { after: (fn: () => unknown) => void }): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

/** stderr without the JSON log lines: what the user reads as the command's own report. */
function reportLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
}

describe('irsa webhook serve: every listener starts, or the command fails and is never ready', () => {
  test('--metrics-port equal to --port: exit 1 with one line, before anything listens', async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'sa.yaml'), '');
    const port = await heldPort(t);
    const r = await runCli(
      [
        'webhook',
        'serve',
        ...(await certFiles(dir)),
        '--service-accounts-file',
        join(dir, 'sa.yaml'),
        '--bind-address',
        '127.0.0.1',
        '--port',
        String(port + 1),
        '--metrics-port',
        String(port + 1),
      ],
      { timeoutMs: 20_000 },
    );
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(reportLines(r.stderr), [
      `irsa webhook serve: --metrics-port must differ from --port (both ${port + 1})`,
    ]);
    assert.doesNotMatch(r.stderr, /webhook listening/);
  });

  test('a metrics port another process holds: exit 1 with one line (ERR_LISTEN), HTTPS never listens', async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'sa.yaml'), '');
    const held = await heldPort(t);
    const r = await runCli(
      [
        'webhook',
        'serve',
        ...(await certFiles(dir)),
        '--service-accounts-file',
        join(dir, 'sa.yaml'),
        '--bind-address',
        '127.0.0.1',
        '--port',
        '0',
        '--metrics-port',
        String(held),
        '--output',
        'json',
      ],
      { timeoutMs: 20_000 },
    );
    // Exited on its own (a lingering process would be killed by runCli's timeout and report -1).
    assert.equal(r.code, 1, r.stderr);
    const line = `irsa webhook serve: cannot listen for metrics (--metrics-port) on 127.0.0.1 port ${held}: address in use`;
    assert.deepEqual(reportLines(r.stderr), [line]);
    assert.equal(JSON.parse(r.stdout).error.code, 'ERR_LISTEN');
    assert.doesNotMatch(r.stderr, /webhook listening/, 'the HTTPS listener (and so /readyz) never started');
  });
});

describe('irsa webhook manifests', () => {
  test('a region taken from the environment and baked into the Deployment is announced on stderr', async () => {
    const fromEnv = await runCli(['webhook', 'manifests'], {
      env: { AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: '' },
    });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.match(fromEnv.stdout, /--aws-default-region=ap-south-1/);
    assert.match(
      fromEnv.stderr,
      /^warning: the Deployment injects region ap-south-1 \(from \$AWS_REGION\) into pods whose ServiceAccount names none; pass --region to choose another, or --region '' for none$/m,
    );
    const fallback = await runCli(['--output', 'json', 'webhook', 'manifests'], {
      env: { AWS_REGION: '', AWS_DEFAULT_REGION: 'eu-north-1' },
    });
    assert.match(JSON.parse(fallback.stdout).warnings.join('\n'), /region eu-north-1 \(from \$AWS_DEFAULT_REGION\)/);
    // Chosen on the command line, or no region at all: nothing to announce.
    for (const args of [
      ['--region', 'eu-west-1'],
      ['--region', ''],
    ]) {
      const r = await runCli(['webhook', 'manifests', ...args], { env: { AWS_REGION: 'ap-south-1' } });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /injects region/, args.join(' '));
    }
    const none = await runCli(['webhook', 'manifests'], { env: { AWS_REGION: '', AWS_DEFAULT_REGION: '' } });
    assert.doesNotMatch(none.stderr, /injects region/);
  });
});
