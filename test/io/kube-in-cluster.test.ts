/**
 * The in-cluster connection (what the webhook uses in its pod): KUBERNETES_SERVICE_HOST/PORT plus the service account
 * token, CA and namespace files, against the local test API server, which refuses any other bearer token. The files
 * live under a directory of the test's own (`inClusterRoot`) instead of /var/run/secrets.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { kubeGetJson, loadKubeConfig } from '../../src/io/kube/client.js';
import { KubeServiceAccountSource } from '../../src/webhook/sa-source-kube.js';
import { tempDir } from '../support/cli.js';
import { startKubeApiServer } from '../support/kube-apiserver.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';

async function inCluster(t: { after: (fn: () => unknown) => void }, token?: string) {
  const kube = await startKubeApiServer();
  t.after(() => kube.close());
  const root = tempDir(t);
  const dir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'token'), token ?? kube.token);
  writeFileSync(join(dir, 'ca.crt'), kube.caPem);
  writeFileSync(join(dir, 'namespace'), 'irsa-webhook');
  // client-node reads these two from process.env itself (this file runs in a process of its own).
  const port = new URL(kube.url).port;
  const saved = [process.env.KUBERNETES_SERVICE_HOST, process.env.KUBERNETES_SERVICE_PORT];
  process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
  process.env.KUBERNETES_SERVICE_PORT = port;
  t.after(() => {
    for (const [k, v] of [
      ['KUBERNETES_SERVICE_HOST', saved[0]],
      ['KUBERNETES_SERVICE_PORT', saved[1]],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  kube.put('serviceaccounts', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'app', namespace: 'team', annotations: { 'eks.amazonaws.com/role-arn': ROLE } },
  });
  // No kubeconfig anywhere: HOME without ~/.kube, no KUBECONFIG.
  const env = { HOME: join(root, 'home'), KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port };
  const conn = await loadKubeConfig({ inClusterRoot: root }, env);
  return { kube, conn };
}

test('in-cluster: the service account token and CA authenticate raw requests and the informer', async (t) => {
  const { kube, conn } = await inCluster(t);
  assert.equal(conn.source, 'in-cluster');
  assert.equal(conn.context, 'inClusterContext');
  assert.equal(conn.server, kube.url);

  const sa = await kubeGetJson<{ metadata: { annotations: Record<string, string> } }>(
    conn,
    '/api/v1/namespaces/team/serviceaccounts/app',
  );
  assert.equal(sa.metadata.annotations['eks.amazonaws.com/role-arn'], ROLE);

  const source = new KubeServiceAccountSource(conn.kubeConfig, { annotationPrefix: 'eks.amazonaws.com' });
  t.after(() => source.close());
  await source.start();
  assert.equal(source.get('team', 'app')?.metadata?.annotations?.['eks.amazonaws.com/role-arn'], ROLE);
  // The watch that follows the list authenticates the same way.
  await kube.waitForWatches(1, 'serviceaccounts');
});

test('in-cluster: a token the API server does not accept is refused with one line (the file is what is sent)', async (t) => {
  const { conn } = await inCluster(t, 'not-the-token');
  await assert.rejects(kubeGetJson(conn, '/api/v1/namespaces/team/serviceaccounts/app'), (e: Error) => {
    assert.match(e.message, /401|Unauthorized/);
    assert.doesNotMatch(e.message, /not-the-token/, 'the token is never printed');
    return true;
  });
});

test('no in-cluster files: the usual "no Kubernetes configuration" error, even with KUBERNETES_SERVICE_HOST set', async (t) => {
  const root = tempDir(t);
  await assert.rejects(
    loadKubeConfig({ inClusterRoot: root }, { HOME: join(root, 'home'), KUBERNETES_SERVICE_HOST: '127.0.0.1' }),
    /no Kubernetes configuration found/,
  );
});
