/**
 * The Kubernetes ServiceAccount source against the local test API server (real list/watch/get protocol, real
 * @kubernetes/client-node): informer sync and readiness, watch updates, miss-then-GET within the grace period,
 * reconnect after dropped watches, and what is kept in memory.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadKubeConfig } from '../../src/io/kube/client.js';
import { KubeServiceAccountSource } from '../../src/webhook/sa-source-kube.js';
import { tempDir } from '../support/cli.js';
import { startKubeApiServer } from '../support/kube-apiserver.js';
import { decodePatch, pod, ROLE, review, send, startTestWebhook, until } from './helpers.js';

const JSON_CT = 'application/json';
const ROLE_ANN = { 'eks.amazonaws.com/role-arn': ROLE };

async function setup(t: { after: (fn: () => unknown) => void }) {
  const kube = await startKubeApiServer();
  t.after(() => kube.close());
  const { kubeConfig } = await loadKubeConfig({ kubeconfig: kube.writeKubeconfig(tempDir(t)) });
  const source = new KubeServiceAccountSource(kubeConfig, {
    annotationPrefix: 'eks.amazonaws.com',
    reconnectDelayMs: 100,
    lookupRetryMs: 50,
  });
  t.after(() => source.close());
  return { kube, source };
}

async function mutated(w: { url: string; pki: { caPem: string } }, name: string, namespace = 'default') {
  const res = await send(w.url, w.pki.caPem, { body: review(pod(name), { namespace }), contentType: JSON_CT });
  assert.equal(res.status, 200);
  return decodePatch(res.json().response).length > 0;
}

describe('Kubernetes ServiceAccount source', () => {
  test('informer: synced list, then watch events (add, update, delete); slim objects', async (t) => {
    const { kube, source } = await setup(t);
    kube.put('serviceaccounts', {
      metadata: {
        name: 'app',
        namespace: 'default',
        labels: { big: 'x' },
        annotations: { ...ROLE_ANN, 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(2000) },
      },
      secrets: [{ name: 'app-token' }],
    });
    assert.equal(source.ready, false);
    await source.start();
    assert.equal(source.ready, true);
    assert.deepEqual(source.get('default', 'app')?.metadata?.annotations, ROLE_ANN);
    assert.equal(source.get('default', 'app')?.secrets, undefined, 'only what mutation needs is cached');
    assert.equal((source.get('default', 'app')?.metadata as Record<string, unknown> | undefined)?.labels, undefined);

    await kube.waitForWatches(1, 'serviceaccounts');
    kube.put('serviceaccounts', { metadata: { name: 'later', namespace: 'team', annotations: ROLE_ANN } });
    await until(() => source.get('team', 'later'), 5000, 'watch ADDED');
    kube.put('serviceaccounts', { metadata: { name: 'later', namespace: 'team', annotations: {} } });
    await until(() => !source.get('team', 'later')?.metadata?.annotations, 5000, 'watch MODIFIED');
    kube.remove('serviceaccounts', 'team', 'later');
    await until(() => source.get('team', 'later') === undefined, 5000, 'watch DELETED');
  });

  test('/readyz is 503 until the informer has synced', async (t) => {
    const { kube, source } = await setup(t);
    kube.delayNext(/\/api\/v1\/serviceaccounts$/, 1500, { method: 'GET' });
    const w = startTestWebhook(t, { source });
    // startTestWebhook waits for sync; probe while it is still listing through a second server view.
    await until(() => kube.requests.some((r) => r.path === '/api/v1/serviceaccounts' && !r.watch), 5000, 'the list');
    assert.equal(source.ready, false);
    const running = await w;
    assert.equal(source.ready, true);
    assert.equal((await send(running.url, running.pki.caPem, { method: 'GET', path: '/readyz' })).status, 200);
  });

  test('readiness endpoint reports not-synced while the list keeps failing', async (t) => {
    const { kube, source } = await setup(t);
    kube.failNext(/\/api\/v1\/serviceaccounts$/, 500, { count: 1000, method: 'GET' });
    const w = await startTestWebhook(t, { source: { ...delegate(source), start: async () => void source.start() } });
    const res = await send(w.url, w.pki.caPem, { method: 'GET', path: '/readyz' });
    assert.equal(res.status, 503);
    assert.equal(source.ready, false);
  });

  test('miss, then live GET: a ServiceAccount created after the pod request started is used', async (t) => {
    const { kube, source } = await setup(t);
    const w = await startTestWebhook(t, { source, lookupGraceMs: 3000 });
    // Keep the informer from seeing it (watch dropped, re-list and re-watch failing), so only the GET can find it.
    kube.failNext(/\/api\/v1\/serviceaccounts$/, 500, { count: 1000 });
    kube.dropWatches();
    const pending = mutated(w, 'fresh', 'apps');
    await until(
      () => kube.requests.some((r) => r.path === '/api/v1/namespaces/apps/serviceaccounts/fresh' && r.status === 404),
      5000,
      'a 404 GET',
    );
    kube.put('serviceaccounts', { metadata: { name: 'fresh', namespace: 'apps', annotations: ROLE_ANN } });
    assert.equal(await pending, true);
    assert.ok(
      kube.requests.some((r) => r.path === '/api/v1/namespaces/apps/serviceaccounts/fresh' && r.status === 200),
    );
  });

  test('concurrent pods of one missing ServiceAccount share one lookup; grace period bounds the wait', async (t) => {
    const { kube, source } = await setup(t);
    const w = await startTestWebhook(t, { source, lookupGraceMs: 600 });
    const started = Date.now();
    const results = await Promise.all([mutated(w, 'ghost'), mutated(w, 'ghost'), mutated(w, 'ghost')]);
    const took = Date.now() - started;
    assert.deepEqual(results, [false, false, false]);
    assert.ok(took >= 550 && took < 3000, `took ${took} ms`);
    const gets = kube.requests.filter((r) => r.path === '/api/v1/namespaces/default/serviceaccounts/ghost');
    // One deduplicated loop, retrying every 50 ms for 600 ms: far fewer than 3 loops would make.
    assert.ok(gets.length >= 2 && gets.length <= 14, `${gets.length} GETs`);
  });

  test('grace period 0 (upstream default): no GET, pod admitted unmutated', async (t) => {
    const { kube, source } = await setup(t);
    const w = await startTestWebhook(t, { source, lookupGraceMs: 0 });
    assert.equal(await mutated(w, 'nobody'), false);
    assert.equal(kube.requests.filter((r) => r.path.endsWith('/serviceaccounts/nobody')).length, 0);
  });

  test('reconnect after dropped watches (destroyed and cleanly ended)', async (t) => {
    const { kube, source } = await setup(t);
    const w = await startTestWebhook(t, { source, lookupGraceMs: 0 });
    await kube.waitForWatches(1, 'serviceaccounts');
    for (const mode of ['destroy', 'end'] as const) {
      assert.ok(kube.dropWatches({ mode }) >= 1);
      const name = `after-${mode}`;
      kube.put('serviceaccounts', { metadata: { name, namespace: 'default', annotations: ROLE_ANN } });
      await until(() => source.get('default', name), 10_000, `informer to catch up after ${mode}`);
      assert.equal(await mutated(w, name), true);
      await kube.waitForWatches(1, 'serviceaccounts', 10_000);
    }
  });

  test('a watch whose history expired relists (410 Gone)', async (t) => {
    const { kube, source } = await setup(t);
    await source.start();
    await kube.waitForWatches(1, 'serviceaccounts');
    kube.dropWatches({ mode: 'destroy' });
    kube.put('serviceaccounts', { metadata: { name: 'while-away', namespace: 'default', annotations: ROLE_ANN } });
    kube.expireHistory();
    await until(() => source.get('default', 'while-away'), 10_000, 'relist after 410');
  });

  test('a GET that keeps failing (not 404) becomes an internal error → fail-open warning', async (t) => {
    const { kube, source } = await setup(t);
    // A grace period long enough for the first GET (client set-up, TLS) to finish on a loaded machine: with 400 ms
    // it could time out instead, and the warning then names the timeout rather than the HTTP 500.
    const w = await startTestWebhook(t, { source, lookupGraceMs: 2000 });
    kube.failNext(/serviceaccounts\/broken$/, 500, { count: 1000 });
    const res = await send(w.url, w.pki.caPem, { body: review(pod('broken')), contentType: JSON_CT });
    const b = res.json();
    assert.equal(b.response.allowed, true);
    assert.match(b.response.warnings[0], /ServiceAccount default\/broken: lookup failed \(HTTP 500/);
  });
});

describe('Kubernetes ServiceAccount source: what a lookup reports when the API stops answering', () => {
  test('404, then retries that time out: not found (the pod is admitted without credentials, not an error)', async (t) => {
    const { kube, source } = await setup(t);
    await source.start();
    kube.failNext(/serviceaccounts\/ghost$/, 404);
    kube.delayNext(/serviceaccounts\/ghost$/, 3000, { count: 100 });
    assert.equal(await source.lookup('default', 'ghost', 2500), undefined);
  });

  test('500, then retries that time out: the API error is what the lookup reports', async (t) => {
    const { kube, source } = await setup(t);
    await source.start();
    kube.failNext(/serviceaccounts\/flaky$/, 500);
    kube.delayNext(/serviceaccounts\/flaky$/, 3000, { count: 100 });
    await assert.rejects(source.lookup('default', 'flaky', 2500), /lookup failed \(HTTP 500/);
  });
});

function delegate(s: KubeServiceAccountSource) {
  return {
    get ready() {
      return s.ready;
    },
    get: (ns: string, n: string) => s.get(ns, n),
    lookup: (ns: string, n: string, g: number) => s.lookup(ns, n, g),
    size: () => s.size(),
    start: () => s.start(),
    close: () => s.close(),
  };
}
