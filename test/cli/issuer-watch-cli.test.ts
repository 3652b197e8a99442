// `irsa issuer watch -f irsa.yaml --publish` as a process: issuer, audiences, publish directory and the cluster's
// kubeconfig come from irsa.yaml. The test waits for the watch's own "pass:" line (no sleeps), reads /metrics,
// finds the missing key published, stops it with SIGTERM (exit 0). And `irsa issuer check -f irsa.yaml` once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, runCli } from '../support/cli.js';
import { startIssuerWorld, WATCH_NS, WATCH_SA } from '../support/issuer-world.js';

async function world(t: { after: (fn: () => unknown) => void }) {
  const w = await startIssuerWorld(t);
  const { old, next } = w.keys;
  await w.publish([old]);
  w.hold(0, [old, next]);
  w.signWith(next);
  const config = join(w.dir, 'irsa.yaml');
  writeFileSync(
    config,
    `apiVersion: irsa-anywhere/v1
kind: Config
region: us-east-1
clusters:
  - name: lab
    issuer: ${w.issuer}
    fromCluster: {kubeconfig: ${w.kubeconfig}}
    thumbprints: []
    publish: {directory: ${join(w.sb.issuerDir, 'c1')}}
`,
  );
  return { w, config };
}

test('irsa issuer check -f irsa.yaml: the cluster and issuer from the file; the unpublished signing key fails', async (t) => {
  const { w, config } = await world(t);
  const r = await runCli(
    ['issuer', 'check', '-f', config, '--service-account', `${WATCH_NS}/${WATCH_SA}`, '-o', 'json'],
    {
      env: w.env(),
    },
  );
  const out = JSON.parse(r.stdout);
  assert.equal(out.data.issuer, w.issuer);
  assert.equal(out.data.checks.find((c: { id: string }) => c.id === 'signing-key-published').status, 'fail');
  assert.equal(r.code, 1);
});

test('irsa issuer watch -f irsa.yaml --publish: publishes the union, serves /metrics, stops on SIGTERM', async (t) => {
  const { w, config } = await world(t);
  const child = spawn(
    process.execPath,
    [
      CLI,
      'issuer',
      'watch',
      '-f',
      config,
      '--publish',
      '--service-account',
      `${WATCH_NS}/${WATCH_SA}`,
      '--interval',
      '1h',
      '--metrics-port',
      '0',
    ],
    { env: w.env(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  t.after(() => clearTimeout(killer));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /metrics on :(\d+)\/metrics/.exec(stderr);
      if (m && /^pass: /m.test(stderr)) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error(`exited early: ${stderr}`)));
  });
  assert.match(stderr, /^publish: published /m);
  const kids = (
    JSON.parse(readFileSync(join(w.sb.issuerDir, 'c1', 'openid', 'v1', 'jwks'), 'utf8')).keys as { kid: string }[]
  ).map((k) => k.kid);
  assert.deepEqual(kids, [w.keys.old.key.kid, w.keys.next.key.kid]);
  const metrics = await new Promise<string>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  assert.match(metrics, /^irsa_issuer_publish_total\{result="added"\} 1$/m);
  assert.match(metrics, /^irsa_issuer_signing_key_published 0$/m);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
});
