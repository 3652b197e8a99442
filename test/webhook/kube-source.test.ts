/**
 * The Kubernetes ServiceAccount source against the local test API server (real list/watch/get protocol, real
 * @kubernetes/client-node): informer sync and readiness, watch updates, miss-then-GET within the grace period,
 * reconnect after dropped watches, and what is kept in memory.
 */
import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { loadKubeConfig } from '../../src/io/kube/client.js';
import { KubeServiceAccountSource } from '../../src/webhook/sa-source-kube.js';
import { tempDir } from '../support/cli.js';
import { type FakeKube, startKubeApiServer } from '../support/kube-apiserver.js';
import { decodePatch, pod, ROLE, review, send, startTestWebhook, until } from './helpers.js';

const JSON_CT = 'application/json';
// Tests on a mocked clock: a bound in real time, so a lookup that never settles fails the test instead of the run.
const MOCKED_CLOCK = { timeout: 30_000 };
const ROLE_ANN = { 'eks.amazonaws.com/role-arn': ROLE };

async function setup(t: { after: (fn: () => unknown) => void }, o: { lookupRetryMs?: number } = {}) {
  const kube = await startKubeApiServer();
  t.after(() => kube.close());
  const { kubeConfig } = await loadKubeConfig({ kubeconfig: kube.writeKubeconfig(tempDir(t)) });
  const source = new KubeServiceAccountSource(kubeConfig, {
    annotationPrefix: 'eks.amazonaws.com',
    reconnectDelayMs: 100,
    lookupRetryMs: o.lookupRetryMs ?? 50,
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

  test('the initial list pages with limit and continue until every ServiceAccount is loaded', async (t) => {
    const { kube, source } = await setup(t);
    // More than two pages of the source's 500; one namespace per 100 so pages cross namespaces.
    const count = 1201;
    for (let i = 0; i < count; i++) {
      const name = `sa-${String(i).padStart(4, '0')}`;
      kube.put('serviceaccounts', {
        metadata: { name, namespace: `ns-${Math.floor(i / 100)}`, annotations: ROLE_ANN },
      });
    }
    await source.start();
    const lists = kube.requests.filter((r) => r.path === '/api/v1/serviceaccounts' && !r.watch);
    assert.deepEqual(
      lists.map((r) => [r.query.limit, r.query.continue === undefined, r.status]),
      [
        ['500', true, 200],
        ['500', false, 200],
        ['500', false, 200],
      ],
    );
    assert.equal(source.size(), count);
    for (let i = 0; i < count; i++) {
      const name = `sa-${String(i).padStart(4, '0')}`;
      assert.deepEqual(source.get(`ns-${Math.floor(i / 100)}`, name)?.metadata?.annotations, ROLE_ANN, name);
    }
    // The watch resumes from the list's resourceVersion: a change after it arrives.
    await kube.waitForWatches(1, 'serviceaccounts');
    kube.put('serviceaccounts', { metadata: { name: 'after-paging', namespace: 'ns-0', annotations: ROLE_ANN } });
    await until(() => source.get('ns-0', 'after-paging'), 5000, 'watch ADDED after a paged list');
  });

  test('/readyz is 503 until the informer has synced', async (t) => {
    const { kube, source } = await setup(t);
    // Hold the list in the server until the test has looked: no timing involved.
    const list = kube.holdNext(/^\/api\/v1\/serviceaccounts$/, { method: 'GET' });
    const w = startTestWebhook(t, { source });
    await list.waitForHeld();
    assert.equal(source.ready, false);
    list.release();
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
    await kube.waitForRequest((r) => r.path === '/api/v1/namespaces/apps/serviceaccounts/fresh' && r.status === 404);
    kube.put('serviceaccounts', { metadata: { name: 'fresh', namespace: 'apps', annotations: ROLE_ANN } });
    assert.equal(await pending, true);
    assert.ok(
      kube.requests.some((r) => r.path === '/api/v1/namespaces/apps/serviceaccounts/fresh' && r.status === 200),
    );
  });

  test(
    'concurrent pods of one missing ServiceAccount share one lookup; grace period bounds the wait',
    MOCKED_CLOCK,
    async (t) => {
      const { kube, source } = await setup(t, { lookupRetryMs: 0 });
      // The webhook asks the source; the source hands concurrent callers the same lookup.
      const lookups: ReturnType<KubeServiceAccountSource['lookup']>[] = [];
      let allAsked!: () => void;
      const asked = new Promise<void>((r) => {
        allAsked = r;
      });
      const spy = {
        ...delegate(source),
        lookup: (ns: string, n: string, g: number) => {
          lookups.push(source.lookup(ns, n, g));
          if (lookups.length === 3) allAsked();
          return lookups[lookups.length - 1];
        },
      };
      const w = await startTestWebhook(t, { source: spy, lookupGraceMs: 600 });
      const stalled = stallRetries(t, kube, 'ghost', 404);
      let answered = 0;
      const pods = [1, 2, 3].map(() => mutated(w, 'ghost').finally(() => answered++));
      await asked;
      assert.equal(new Set(lookups).size, 1, 'one shared lookup');
      // First GET 404, the retry held: nobody is answered until the 600 ms of grace have passed.
      await stalled.retryHeld();
      assert.equal(answered, 0);
      await stalled.expire([600]);
      assert.deepEqual(await Promise.all(pods), [false, false, false]);
      const gets = kube.requests.filter((r) => r.path === '/api/v1/namespaces/default/serviceaccounts/ghost');
      assert.equal(gets.length, 2, 'one loop: the 404, then the retry that timed out');
    },
  );

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

  test('a GET that keeps failing (not 404) becomes an internal error → fail-open warning', MOCKED_CLOCK, async (t) => {
    const { kube, source } = await setup(t, { lookupRetryMs: 0 });
    const w = await startTestWebhook(t, { source, lookupGraceMs: 2000 });
    const stalled = stallRetries(t, kube, 'broken', 500);
    const res = send(w.url, w.pki.caPem, { body: review(pod('broken')), contentType: JSON_CT });
    await stalled.expire([1000, 1000]);
    const b = (await res).json();
    assert.equal(b.response.allowed, true);
    assert.match(b.response.warnings[0], /ServiceAccount default\/broken: lookup failed \(HTTP 500/);
  });
});

/**
 * The first GET of ServiceAccount `name` answers `firstStatus`; every retry is held by the API; the clock (Date,
 * setTimeout) is mocked. expire(ticks) waits for each next held retry and then moves time on by its tick, so each
 * GET times out exactly when the test says: no real waiting, no race with a loaded machine.
 */
function stallRetries(t: TestContext, kube: FakeKube, name: string, firstStatus: number) {
  const path = new RegExp(`serviceaccounts/${name}$`);
  kube.failNext(path, firstStatus);
  const retries = kube.holdNext(path, { count: 100 });
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
  let expired = 0;
  return {
    /** Resolves once the next retry is held: the lookup is waiting on it. */
    retryHeld: () => retries.waitForHeld(expired + 1),
    async expire(ticks: number[]) {
      for (const ms of ticks) {
        await retries.waitForHeld(++expired);
        t.mock.timers.tick(ms);
      }
    },
  };
}

describe('Kubernetes ServiceAccount source: what a lookup reports when the API stops answering', () => {
  async function lookupWithStalledRetries(t: TestContext, name: string, firstStatus: number) {
    const { kube, source } = await setup(t, { lookupRetryMs: 0 });
    await source.start();
    const stalled = stallRetries(t, kube, name, firstStatus);
    const result = source.lookup('default', name, 2500).then(
      (sa) => ({ sa }),
      (error: Error) => ({ error }),
    );
    // 2,500 ms of grace: after the first answer, the held retries time out at 1,000 + 1,000 + 500 ms.
    await stalled.expire([1000, 1000, 500]);
    const out = await result;
    assert.equal(kube.requests.filter((r) => r.path.endsWith(`/serviceaccounts/${name}`)).length, 4);
    return out;
  }

  test(
    '404, then retries that time out: not found (the pod is admitted without credentials, not an error)',
    MOCKED_CLOCK,
    async (t) => {
      assert.deepEqual(await lookupWithStalledRetries(t, 'ghost', 404), { sa: undefined });
    },
  );

  test('500, then retries that time out: the API error is what the lookup reports', MOCKED_CLOCK, async (t) => {
    const out = await lookupWithStalledRetries(t, 'flaky', 500);
    assert.match(String((out as { error?: Error }).error?.message), /lookup failed \(HTTP 500/);
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
