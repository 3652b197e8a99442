// The local test API server: its wire protocol directly, then through the real @kubernetes/client-node and kubectl.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:https';
import { describe, test } from 'node:test';
import YAML from 'yaml';
import { tempDir } from './cli.js';
import { type FakeKube, startKubeApiServer } from './kube-apiserver.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON replies
  json: any;
}

function call(
  kube: FakeKube,
  method: string,
  path: string,
  opts: { body?: unknown; contentType?: string; token?: string | null } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? kube.token}`;
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    const req = request(`${kube.url}${path}`, { method, headers, ca: kube.caPem }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

// biome-ignore lint/suspicious/noExplicitAny: watch events are JSON
type Ev = { type: string; object: any };

/** Opens a watch and collects its events. */
function openWatch(kube: FakeKube, path: string) {
  const events: Ev[] = [];
  let ended = false;
  let buf = '';
  let status = 0;
  const req = request(
    `${kube.url}${path}`,
    { headers: { authorization: `Bearer ${kube.token}` }, ca: kube.caPem },
    (res) => {
      status = res.statusCode ?? 0;
      res.on('data', (d) => {
        buf += d;
        let i = buf.indexOf('\n');
        while (i >= 0) {
          events.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
          i = buf.indexOf('\n');
        }
      });
      res.on('end', () => (ended = true));
      res.on('error', () => (ended = true));
    },
  );
  req.on('error', () => (ended = true));
  req.end();
  return {
    events,
    get ended() {
      return ended;
    },
    get status() {
      return status;
    },
    close: () => req.destroy(),
    async until(pred: () => boolean, ms = 3000) {
      const deadline = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > deadline)
          throw new Error(`timed out; events so far: ${JSON.stringify(events.map((e) => e.type))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

const sa = (name: string, ns = 'default', annotations?: Record<string, string>) => ({
  metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
});

describe('fake kube-apiserver: wire protocol', () => {
  test('bearer token is required; 401 is a metav1 Status', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    for (const token of [null, 'wrong']) {
      const r = await call(kube, 'GET', '/api/v1/serviceaccounts', { token });
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
    }
    assert.equal((await call(kube, 'GET', '/api/v1/serviceaccounts')).status, 200);
  });

  test('LIST cluster-wide and namespaced; items without kind/apiVersion; GET one; 404 NotFound', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    kube.put('serviceaccounts', sa('b', 'team'));
    kube.put('serviceaccounts', sa('a', 'default'));
    const all = await call(kube, 'GET', '/api/v1/serviceaccounts');
    assert.equal(all.json.kind, 'ServiceAccountList');
    assert.equal(all.json.apiVersion, 'v1');
    assert.equal(all.json.metadata.resourceVersion, kube.resourceVersion());
    assert.deepEqual(
      all.json.items.map(
        (i: { metadata: { namespace: string; name: string } }) => `${i.metadata.namespace}/${i.metadata.name}`,
      ),
      ['default/a', 'team/b'],
    );
    assert.equal(all.json.items[0].kind, undefined);
    assert.equal(all.json.items[0].apiVersion, undefined);
    const ns = await call(kube, 'GET', '/api/v1/namespaces/team/serviceaccounts');
    assert.equal(ns.json.items.length, 1);
    const one = await call(kube, 'GET', '/api/v1/namespaces/team/serviceaccounts/b');
    assert.equal(one.json.kind, 'ServiceAccount');
    assert.equal(one.json.apiVersion, 'v1');
    assert.match(one.json.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(one.json.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const missing = await call(kube, 'GET', '/api/v1/namespaces/team/serviceaccounts/nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'serviceaccounts "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'serviceaccounts' },
      code: 404,
    });
    assert.equal((await call(kube, 'GET', '/api/v1/widgets')).status, 404);
    // namespaces pre-exist and are listed; the put() above created "team"
    const nss = await call(kube, 'GET', '/api/v1/namespaces');
    assert.equal(nss.json.kind, 'NamespaceList');
    assert.ok(nss.json.items.some((n: { metadata: { name: string } }) => n.metadata.name === 'team'));
    assert.equal((await call(kube, 'GET', '/api/v1/namespaces/kube-system')).json.kind, 'Namespace');
    // cluster-scoped admissionregistration resource
    kube.put('mutatingwebhookconfigurations', { metadata: { name: 'irsa-webhook' }, webhooks: [] });
    const mwc = await call(
      kube,
      'GET',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/irsa-webhook',
    );
    assert.equal(mwc.json.kind, 'MutatingWebhookConfiguration');
    assert.equal(mwc.json.apiVersion, 'admissionregistration.k8s.io/v1');
    assert.equal(mwc.json.metadata.namespace, undefined);
  });

  test('label and field selectors on LIST', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    kube.put('pods', { metadata: { name: 'p1', labels: { app: 'x' } }, status: { phase: 'Running' } });
    kube.put('pods', { metadata: { name: 'p2', labels: { app: 'y' } }, status: { phase: 'Succeeded' } });
    const names = async (q: string) =>
      (await call(kube, 'GET', `/api/v1/pods?${q}`)).json.items.map(
        (i: { metadata: { name: string } }) => i.metadata.name,
      );
    assert.deepEqual(await names('labelSelector=app%3Dx'), ['p1']);
    assert.deepEqual(await names('labelSelector=app%20in%20(x,y)'), ['p1', 'p2']);
    assert.deepEqual(await names('labelSelector=app!%3Dx'), ['p2']);
    assert.deepEqual(await names('fieldSelector=status.phase%3DRunning'), ['p1']);
    assert.deepEqual(await names('fieldSelector=metadata.name%3Dp2'), ['p2']);
  });

  test('POST/PUT/PATCH/DELETE with AlreadyExists, Conflict and one monotonic resourceVersion', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    const created = await call(kube, 'POST', '/api/v1/namespaces/default/serviceaccounts', { body: sa('app') });
    assert.equal(created.status, 201);
    const rv1 = Number(created.json.metadata.resourceVersion);
    const dup = await call(kube, 'POST', '/api/v1/namespaces/default/serviceaccounts', { body: sa('app') });
    assert.equal(dup.status, 409);
    assert.equal(dup.json.reason, 'AlreadyExists');
    assert.equal(dup.json.message, 'serviceaccounts "app" already exists');
    const wrongNs = await call(kube, 'POST', '/api/v1/namespaces/default/serviceaccounts', { body: sa('x', 'other') });
    assert.equal(wrongNs.status, 400);

    // a Secret in between: resourceVersion is shared by all kinds
    const secret = await call(kube, 'POST', '/api/v1/namespaces/default/secrets', {
      body: { metadata: { name: 's' }, stringData: { k: 'v' } },
    });
    assert.equal(Number(secret.json.metadata.resourceVersion), rv1 + 1);
    assert.deepEqual(secret.json.data, { k: Buffer.from('v').toString('base64') });
    assert.equal(secret.json.type, 'Opaque');
    assert.equal(secret.json.stringData, undefined);

    const stale = await call(kube, 'PUT', '/api/v1/namespaces/default/serviceaccounts/app', {
      body: {
        metadata: { name: 'app', namespace: 'default', resourceVersion: '1' },
        automountServiceAccountToken: false,
      },
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.json.reason, 'Conflict');
    assert.match(stale.json.message, /the object has been modified/);
    const put = await call(kube, 'PUT', '/api/v1/namespaces/default/serviceaccounts/app', {
      body: { ...created.json, automountServiceAccountToken: false },
    });
    assert.equal(put.status, 200);
    assert.equal(put.json.automountServiceAccountToken, false);
    assert.equal(put.json.metadata.uid, created.json.metadata.uid);
    assert.equal(Number(put.json.metadata.resourceVersion), rv1 + 2);
    assert.equal(
      (await call(kube, 'PUT', '/api/v1/namespaces/default/serviceaccounts/zzz', { body: sa('zzz') })).status,
      404,
    );

    const merge = await call(kube, 'PATCH', '/api/v1/namespaces/default/serviceaccounts/app', {
      body: { metadata: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/a' } } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(merge.status, 200);
    assert.equal(merge.json.metadata.annotations['eks.amazonaws.com/role-arn'], 'arn:aws:iam::111122223333:role/a');
    const strategic = await call(kube, 'PATCH', '/api/v1/namespaces/default/serviceaccounts/app', {
      body: { metadata: { annotations: { 'eks.amazonaws.com/role-arn': null, b: 'c' } } },
      contentType: 'application/strategic-merge-patch+json',
    });
    assert.deepEqual(strategic.json.metadata.annotations, { b: 'c' });
    const jp = await call(kube, 'PATCH', '/api/v1/namespaces/default/serviceaccounts/app', {
      body: [{ op: 'add', path: '/metadata/labels', value: { l: '1' } }],
      contentType: 'application/json-patch+json',
    });
    assert.deepEqual(jp.json.metadata.labels, { l: '1' });
    const badJp = await call(kube, 'PATCH', '/api/v1/namespaces/default/serviceaccounts/app', {
      body: [{ op: 'test', path: '/metadata/labels/l', value: '2' }],
      contentType: 'application/json-patch+json',
    });
    assert.equal(badJp.status, 422);
    const stalePatch = await call(kube, 'PATCH', '/api/v1/namespaces/default/serviceaccounts/app', {
      body: { metadata: { resourceVersion: '1', labels: { l: '2' } } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(stalePatch.status, 409);
    const apply = await call(kube, 'PATCH', '/api/v1/namespaces/default/serviceaccounts/app', {
      body: {},
      contentType: 'application/apply-patch+yaml',
    });
    assert.equal(apply.status, 415);

    const del = await call(kube, 'DELETE', '/api/v1/namespaces/default/serviceaccounts/app');
    assert.equal(del.status, 200);
    assert.equal(del.json.metadata.name, 'app');
    assert.equal((await call(kube, 'DELETE', '/api/v1/namespaces/default/serviceaccounts/app')).status, 404);
    assert.equal(kube.get('serviceaccounts', 'default', 'app'), undefined);
    assert.ok(Number(kube.resourceVersion()) > Number(jp.json.metadata.resourceVersion));
  });

  test('WATCH: synthetic ADDED, then ADDED/MODIFIED/DELETED as chunked JSON lines; namespace scoping', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    kube.put('serviceaccounts', sa('pre'));
    const all = openWatch(kube, '/api/v1/serviceaccounts?watch=true');
    t.after(() => all.close());
    const team = openWatch(
      kube,
      `/api/v1/namespaces/team/serviceaccounts?watch=1&resourceVersion=${kube.resourceVersion()}`,
    );
    t.after(() => team.close());
    await kube.waitForWatches(2, 'serviceaccounts');
    await all.until(() => all.events.length === 1);
    assert.deepEqual(
      [all.events[0].type, all.events[0].object.kind, all.events[0].object.metadata.name],
      ['ADDED', 'ServiceAccount', 'pre'],
    );
    kube.put('serviceaccounts', sa('x', 'team'));
    kube.put('serviceaccounts', sa('x', 'team', { a: 'b' }));
    kube.remove('serviceaccounts', 'team', 'x');
    kube.put('secrets', { metadata: { name: 'not-a-sa' } });
    await all.until(() => all.events.length === 4);
    await team.until(() => team.events.length === 3);
    assert.deepEqual(
      team.events.map((e) => e.type),
      ['ADDED', 'MODIFIED', 'DELETED'],
    );
    const rvs = team.events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2], `monotonic: ${rvs}`);
    assert.equal(all.status, 200);
    const watchLog = kube.requests.find((r) => r.watch);
    assert.equal(watchLog?.status, 200);
  });

  test('WATCH resumes from a resourceVersion; too old -> 410 Expired ERROR event', async (t) => {
    const kube = await startKubeApiServer({ historySize: 3 });
    t.after(() => kube.close());
    const start = kube.resourceVersion();
    kube.put('serviceaccounts', sa('a'));
    const afterA = kube.resourceVersion();
    kube.put('serviceaccounts', sa('b'));
    const resume = openWatch(kube, `/api/v1/serviceaccounts?watch=true&resourceVersion=${afterA}`);
    t.after(() => resume.close());
    await resume.until(() => resume.events.length === 1);
    assert.equal(resume.events[0].object.metadata.name, 'b');
    for (const n of ['c', 'd', 'e']) kube.put('serviceaccounts', sa(n));
    const old = openWatch(kube, `/api/v1/serviceaccounts?watch=true&resourceVersion=${start}`);
    await old.until(() => old.ended);
    assert.equal(old.status, 200);
    assert.equal(old.events.length, 1);
    assert.equal(old.events[0].type, 'ERROR');
    assert.equal(old.events[0].object.code, 410);
    assert.equal(old.events[0].object.reason, 'Expired');
    assert.match(old.events[0].object.message, /^too old resource version: \d+ \(\d+\)$/);
    kube.expireHistory();
    const cur = kube.resourceVersion();
    const ok = openWatch(kube, `/api/v1/serviceaccounts?watch=true&resourceVersion=${cur}`);
    t.after(() => ok.close());
    await kube.waitForWatches(2);
    kube.put('serviceaccounts', sa('f'));
    await ok.until(() => ok.events.length === 1);
    assert.equal(ok.events[0].object.metadata.name, 'f');
  });

  test('WATCH bookmarks, timeoutSeconds, fieldSelector transitions, dropWatches', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    const w = openWatch(
      kube,
      `/api/v1/namespaces/default/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&fieldSelector=status.phase%3DRunning&resourceVersion=${kube.resourceVersion()}`,
    );
    await kube.waitForWatches(1, 'pods');
    kube.put('pods', { metadata: { name: 'p' }, status: { phase: 'Pending' } });
    kube.put('pods', { metadata: { name: 'p' }, status: { phase: 'Running' } }); // enters the selector: ADDED
    kube.put('pods', { metadata: { name: 'p' }, status: { phase: 'Succeeded' } }); // leaves it: DELETED
    kube.sendBookmarks();
    await w.until(() => w.ended, 4000);
    assert.deepEqual(
      w.events.map((e) => e.type),
      ['ADDED', 'DELETED', 'BOOKMARK', 'BOOKMARK'],
    );
    assert.deepEqual(Object.keys(w.events[2].object), ['kind', 'apiVersion', 'metadata']);
    assert.equal(w.events[3].object.metadata.resourceVersion, kube.resourceVersion());

    const d = openWatch(kube, '/api/v1/serviceaccounts?watch=true');
    await kube.waitForWatches(1, 'serviceaccounts');
    assert.equal(kube.dropWatches(), 1);
    await d.until(() => d.ended);
    assert.equal(kube.openWatches(), 0);
  });

  test('OIDC discovery paths: settable bytes, content types, cache headers, auth', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    assert.equal((await call(kube, 'GET', '/.well-known/openid-configuration')).status, 404);
    const cfg = '{"issuer":"https://oidc.example.com","jwks_uri":"https://oidc.example.com/openid/v1/jwks"}';
    const jwks = '{"keys":[]}';
    kube.setDiscovery(cfg, jwks);
    const c = await call(kube, 'GET', '/.well-known/openid-configuration');
    assert.equal(c.text, cfg);
    assert.equal(c.headers['content-type'], 'application/json');
    assert.equal(c.headers['cache-control'], 'public, max-age=3600');
    const j = await call(kube, 'GET', '/openid/v1/jwks');
    assert.equal(j.text, jwks);
    assert.equal(j.headers['content-type'], 'application/jwk-set+json');
    assert.equal((await call(kube, 'GET', '/openid/v1/jwks', { token: null })).status, 401);
    const anon = await startKubeApiServer({ anonymousDiscovery: true });
    t.after(() => anon.close());
    anon.setDiscovery(cfg, jwks);
    assert.equal((await call(anon, 'GET', '/openid/v1/jwks', { token: null })).status, 200);
    assert.equal((await call(anon, 'GET', '/api/v1/pods', { token: null })).status, 401);
  });

  test('failNext and delayNext inject faults; requests are logged', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    kube.failNext(/serviceaccounts\/x$/, 503, { count: 2 });
    assert.equal((await call(kube, 'GET', '/api/v1/namespaces/default/serviceaccounts/x')).status, 503);
    const second = await call(kube, 'GET', '/api/v1/namespaces/default/serviceaccounts/x');
    assert.equal(second.json.reason, 'ServiceUnavailable');
    assert.equal((await call(kube, 'GET', '/api/v1/namespaces/default/serviceaccounts/x')).status, 404);
    kube.delayNext(/pods$/, 200);
    const t0 = Date.now();
    await call(kube, 'GET', '/api/v1/pods');
    assert.ok(Date.now() - t0 >= 190);
    const last = kube.requests.at(-1)!;
    assert.deepEqual([last.method, last.path, last.status], ['GET', '/api/v1/pods', 200]);
  });

  test('holdNext holds matching requests until released; waitForRequest signals an answer', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    const hold = kube.holdNext(/serviceaccounts$/, { count: 2, method: 'GET' });
    const first = call(kube, 'GET', '/api/v1/serviceaccounts');
    const second = call(kube, 'GET', '/api/v1/namespaces/default/serviceaccounts');
    await hold.waitForHeld(2);
    // Both are in the server and unanswered; a request the hold does not match is served meanwhile.
    assert.deepEqual(
      kube.requests.filter((r) => r.path.endsWith('/serviceaccounts')).map((r) => r.status),
      [undefined, undefined],
    );
    assert.equal((await call(kube, 'GET', '/api/v1/pods')).status, 200);
    kube.put('serviceaccounts', sa('made-while-held'));
    hold.release();
    // Answered from the state at release time.
    assert.equal((await first).json.items.length, 1);
    assert.equal((await second).json.items[0].metadata.name, 'made-while-held');
    // Released: later matching requests pass.
    assert.equal((await call(kube, 'GET', '/api/v1/serviceaccounts')).status, 200);
    await kube.waitForRequest((r) => r.path === '/api/v1/serviceaccounts', { count: 2 });
    await assert.rejects(
      kube.waitForRequest((r) => r.path === '/nowhere', { timeoutMs: 1 }),
      /expected 1 matching/,
    );
  });
});

type Item = { metadata: { namespace?: string; name: string; annotations?: Record<string, string> } };
const keys = (r: Reply) => r.json.items.map((i: Item) => `${i.metadata.namespace}/${i.metadata.name}`);

describe('fake kube-apiserver: LIST paging (limit and continue, as kube-apiserver)', () => {
  test('limit pages in key order: opaque continue token, remainingItemCount, one resourceVersion', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    for (const [ns, name] of [
      ['team', 'b'],
      ['default', 'c'],
      ['team', 'a'],
      ['default', 'a'],
      ['other', 'x'],
    ]) {
      kube.put('serviceaccounts', sa(name, ns));
    }
    const rv = kube.resourceVersion();
    const p1 = await call(kube, 'GET', '/api/v1/serviceaccounts?limit=2');
    assert.deepEqual(keys(p1), ['default/a', 'default/c']);
    assert.equal(p1.json.metadata.resourceVersion, rv);
    assert.equal(p1.json.metadata.remainingItemCount, 3);
    // The apiserver's token shape: unpadded base64url JSON {v, rv, start: the next key}.
    const token = p1.json.metadata.continue;
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(JSON.parse(Buffer.from(token, 'base64url').toString()), {
      v: 'meta.k8s.io/v1',
      rv: Number(rv),
      start: 'default/c\u0000',
    });
    const p2 = await call(kube, 'GET', `/api/v1/serviceaccounts?limit=2&continue=${token}`);
    assert.deepEqual(keys(p2), ['other/x', 'team/a']);
    assert.equal(p2.json.metadata.remainingItemCount, 1);
    const p3 = await call(kube, 'GET', `/api/v1/serviceaccounts?limit=2&continue=${p2.json.metadata.continue}`);
    assert.deepEqual(keys(p3), ['team/b']);
    assert.equal(p3.json.metadata.resourceVersion, rv);
    assert.deepEqual(Object.keys(p3.json.metadata), ['resourceVersion'], 'the last page has no continue');
    // Namespaced, and a limit above the count: one page without continue.
    const team = await call(kube, 'GET', '/api/v1/namespaces/team/serviceaccounts?limit=1');
    assert.deepEqual(keys(team), ['team/a']);
    const team2 = await call(
      kube,
      'GET',
      `/api/v1/namespaces/team/serviceaccounts?limit=1&continue=${team.json.metadata.continue}`,
    );
    assert.deepEqual(keys(team2), ['team/b']);
    assert.equal(team2.json.metadata.continue, undefined);
    const all = await call(kube, 'GET', '/api/v1/serviceaccounts?limit=500');
    assert.equal(all.json.items.length, 5);
    assert.equal(all.json.metadata.continue, undefined);
  });

  test("continued pages read the first page's snapshot: later changes do not show", async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    for (const name of ['a', 'b', 'c', 'd', 'e']) kube.put('serviceaccounts', sa(name));
    const p1 = await call(kube, 'GET', '/api/v1/namespaces/default/serviceaccounts?limit=2');
    assert.deepEqual(keys(p1), ['default/a', 'default/b']);
    kube.remove('serviceaccounts', 'default', 'c');
    kube.put('serviceaccounts', sa('bb'));
    kube.put('serviceaccounts', sa('d', 'default', { changed: 'yes' }));
    const p2 = await call(
      kube,
      'GET',
      `/api/v1/namespaces/default/serviceaccounts?limit=2&continue=${p1.json.metadata.continue}`,
    );
    assert.deepEqual(keys(p2), ['default/c', 'default/d']);
    assert.equal(p2.json.items[1].metadata.annotations, undefined, 'd as it was');
    assert.equal(p2.json.metadata.resourceVersion, p1.json.metadata.resourceVersion);
    const p3 = await call(
      kube,
      'GET',
      `/api/v1/namespaces/default/serviceaccounts?limit=2&continue=${p2.json.metadata.continue}`,
    );
    assert.deepEqual(keys(p3), ['default/e']);
    const now = await call(kube, 'GET', '/api/v1/namespaces/default/serviceaccounts');
    assert.deepEqual(keys(now), ['default/a', 'default/b', 'default/bb', 'default/d', 'default/e']);
  });

  test('with a selector: pages of matches, a continue while keys remain, no remainingItemCount', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    for (const [name, app] of [
      ['p1', 'x'],
      ['p2', 'y'],
      ['p3', 'x'],
      ['p4', 'x'],
      ['p5', 'y'],
    ]) {
      kube.put('pods', { metadata: { name, labels: { app } } });
    }
    const q = 'labelSelector=app%3Dx&limit=2';
    const p1 = await call(kube, 'GET', `/api/v1/pods?${q}`);
    assert.deepEqual(keys(p1), ['default/p1', 'default/p3']);
    assert.equal(p1.json.metadata.remainingItemCount, undefined);
    const p2 = await call(kube, 'GET', `/api/v1/pods?${q}&continue=${p1.json.metadata.continue}`);
    assert.deepEqual(keys(p2), ['default/p4']);
    assert.equal(p2.json.metadata.continue, undefined);
  });

  test('an expired token is 410 Expired with a token that continues at the latest version', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    for (const name of ['a', 'b', 'c']) kube.put('serviceaccounts', sa(name));
    const p1 = await call(kube, 'GET', '/api/v1/namespaces/default/serviceaccounts?limit=1');
    kube.put('serviceaccounts', sa('d'));
    kube.expireHistory(); // etcd compacted past the first page's resourceVersion
    const expired = await call(
      kube,
      'GET',
      `/api/v1/namespaces/default/serviceaccounts?limit=1&continue=${p1.json.metadata.continue}`,
    );
    assert.equal(expired.status, 410);
    assert.equal(expired.json.reason, 'Expired');
    assert.equal(expired.json.code, 410);
    assert.match(
      expired.json.message,
      /^The provided continue parameter is too old to display a consistent list result/,
    );
    const inconsistent = expired.json.metadata.continue;
    assert.equal(JSON.parse(Buffer.from(inconsistent, 'base64url').toString()).rv, -1);
    const rest = await call(kube, 'GET', `/api/v1/namespaces/default/serviceaccounts?continue=${inconsistent}`);
    assert.equal(rest.status, 200);
    assert.deepEqual(keys(rest), ['default/b', 'default/c', 'default/d']);
    assert.equal(rest.json.metadata.resourceVersion, kube.resourceVersion());
  });

  test('a malformed token is 400 BadRequest; continue with a resourceVersion is 400', async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    const token = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const cases: Array<[string, RegExp]> = [
      ['not*base64', /illegal base64 data at input byte 3/],
      [token({ v: 'meta.k8s.io/v1', rv: 0, start: 'a' }), /incorrect encoded start resourceVersion/],
      [token({ v: 'meta.k8s.io/v1', rv: 5, start: '' }), /encoded start key empty/],
      [token({ v: 'v9', rv: 5, start: 'a' }), /server does not recognize this encoded version v9/],
      [
        token({ v: 'meta.k8s.io/v1', rv: 5, start: '../kube-system/x' }),
        /continue key is not valid: \.\.\/kube-system/,
      ],
    ];
    for (const [c, why] of cases) {
      const r = await call(
        kube,
        'GET',
        `/api/v1/namespaces/default/serviceaccounts?limit=1&continue=${encodeURIComponent(c)}`,
      );
      assert.equal(r.status, 400, c);
      assert.equal(r.json.reason, 'BadRequest');
      assert.match(r.json.message, /^invalid continue token: continue key is not valid/);
      assert.match(r.json.message, why);
    }
    const good = token({ v: 'meta.k8s.io/v1', rv: Number(kube.resourceVersion()), start: 'a' });
    const withRv = await call(kube, 'GET', `/api/v1/serviceaccounts?continue=${good}&resourceVersion=1`);
    assert.equal(withRv.status, 400);
    assert.equal(withRv.json.message, 'specifying resource version is not allowed when using continue');
  });
});

describe('fake kube-apiserver: with the real @kubernetes/client-node', () => {
  test('CoreV1Api list/read via a kubeconfig file; 404 as ApiException', async (t) => {
    const k8s = await import('@kubernetes/client-node');
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kube.writeKubeconfig(tempDir(t)));
    const core = kc.makeApiClient(k8s.CoreV1Api);
    kube.put(
      'serviceaccounts',
      sa('app', 'default', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/a' }),
    );
    const list = await core.listServiceAccountForAllNamespaces();
    assert.deepEqual(
      list.items.map((i) => i.metadata?.name),
      ['app'],
    );
    const one = await core.readNamespacedServiceAccount({ name: 'app', namespace: 'default' });
    assert.equal(one.metadata?.annotations?.['eks.amazonaws.com/role-arn'], 'arn:aws:iam::111122223333:role/a');
    await assert.rejects(
      core.readNamespacedServiceAccount({ name: 'nope', namespace: 'default' }),
      (e: { code?: number }) => e.code === 404,
    );
    const bad = new k8s.KubeConfig();
    bad.loadFromString(kube.kubeconfigYaml().replace(kube.token, 'wrong'));
    await assert.rejects(
      bad.makeApiClient(k8s.CoreV1Api).listServiceAccountForAllNamespaces(),
      (e: { code?: number }) => e.code === 401,
    );
  });

  test('informer sees add/update/delete, restarts after dropWatches(), relists after 410', async (t) => {
    const k8s = await import('@kubernetes/client-node');
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    const kc = new k8s.KubeConfig();
    kc.loadFromString(kube.kubeconfigYaml());
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(kc, '/api/v1/serviceaccounts', () => core.listServiceAccountForAllNamespaces());
    const seen: string[] = [];
    let errors = 0;
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${Object.keys(o.metadata?.annotations ?? {})}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    // client-node stops on a watch error; restarting is the caller's job (as a real controller does)
    let stopped = false;
    informer.on('error', () => {
      errors++;
      if (!stopped) setTimeout(() => !stopped && void informer.start(), 20);
    });
    t.after(async () => {
      stopped = true; // before kube.close(): the closed server must not trigger endless restarts
      await informer.stop();
    });
    kube.put('serviceaccounts', sa('before'));
    await informer.start();
    await kube.waitForWatches(1, 'serviceaccounts');
    kube.put('serviceaccounts', sa('a'));
    kube.put('serviceaccounts', sa('a', 'default', { x: 'y' }));
    kube.remove('serviceaccounts', 'default', 'a');
    const until = async (pred: () => boolean) => {
      const deadline = Date.now() + 5000;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(seen)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await until(() => seen.length === 4);
    assert.deepEqual(seen, ['add before', 'add a', 'update a x', 'delete a']);

    // a destroyed watch socket: the informer errors, restarts, resumes from its resourceVersion
    kube.dropWatches();
    kube.put('serviceaccounts', sa('while-down'));
    await until(() => seen.includes('add while-down'));
    assert.ok(errors >= 1, 'client-node reported the dropped watch');
    await kube.waitForWatches(1, 'serviceaccounts');
    kube.put('serviceaccounts', sa('after'));
    await until(() => seen.includes('add after'));

    // history gone and the stream ended: the resumed watch gets 410 Expired and the informer relists
    const lists = () => kube.requests.filter((r) => r.path === '/api/v1/serviceaccounts' && !r.watch).length;
    const listsBefore = lists();
    // The changes below are synchronous, so they are all in before the informer's re-watch can arrive.
    kube.dropWatches({ mode: 'end' });
    kube.remove('serviceaccounts', 'default', 'before');
    kube.expireHistory();
    await until(() => seen.includes('delete before'));
    assert.ok(lists() > listsBefore, 'relisted after 410');
  });
});

/** Runs kubectl against a kubeconfig, asynchronously: the server lives in this process, a sync spawn would block it. */
function kubectlIn(dir: string, kubeconfig: string) {
  return (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', `${dir}/cache`, ...args], {
        env: { ...process.env, HOME: dir, KUBECONFIG: '' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
}

describe('fake kube-apiserver: with kubectl', () => {
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  test('kubectl get serviceaccounts -A -o yaml', {
    skip: kubectl.status !== 0 && 'kubectl not installed',
  }, async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    const dir = tempDir(t);
    const file = kube.writeKubeconfig(dir);
    kube.put(
      'serviceaccounts',
      sa('app', 'team', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/a' }),
    );
    const run = kubectlIn(dir, file);
    const r = await run(['get', 'serviceaccounts', '-A', '-o', 'yaml']);
    assert.equal(r.status, 0, r.stderr);
    const doc = YAML.parse(r.stdout);
    assert.equal(doc.kind, 'List');
    assert.equal(doc.items.length, 1);
    assert.equal(doc.items[0].kind, 'ServiceAccount');
    assert.equal(doc.items[0].metadata.annotations['eks.amazonaws.com/role-arn'], 'arn:aws:iam::111122223333:role/a');
    const missing = await run(['get', 'serviceaccount', 'nope', '-n', 'team']);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /serviceaccounts "nope" not found/);
    const raw = await run(['get', '--raw', '/openid/v1/jwks']);
    assert.notEqual(raw.status, 0); // 404 until setDiscovery()
    kube.setDiscovery('{"issuer":"https://x.example.com"}', '{"keys":[]}');
    assert.equal((await run(['get', '--raw', '/openid/v1/jwks'])).stdout, '{"keys":[]}');
    // kubectl annotate sends a strategic-merge PATCH
    const annotate = await run(['annotate', 'sa', 'app', '-n', 'team', 'eks.amazonaws.com/audience=my-aud']);
    assert.equal(annotate.status, 0, annotate.stderr);
    assert.equal(
      kube.get('serviceaccounts', 'team', 'app')?.metadata?.annotations?.['eks.amazonaws.com/audience'],
      'my-aud',
    );
    assert.equal(
      kube.get('serviceaccounts', 'team', 'app')?.metadata?.annotations?.['eks.amazonaws.com/role-arn'],
      'arn:aws:iam::111122223333:role/a',
    );
  });

  test('kubectl get --chunk-size pages through every item with continue tokens', {
    skip: kubectl.status !== 0 && 'kubectl not installed',
  }, async (t) => {
    const kube = await startKubeApiServer();
    t.after(() => kube.close());
    const dir = tempDir(t);
    const run = kubectlIn(dir, kube.writeKubeconfig(dir));
    for (let i = 0; i < 7; i++) kube.put('serviceaccounts', sa(`sa-${i}`, `ns-${i % 3}`));
    const r = await run(['get', 'serviceaccounts', '-A', '--chunk-size=3', '-o', 'name']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 7);
    const lists = kube.requests.filter((q) => q.path === '/api/v1/serviceaccounts' && !q.watch);
    assert.deepEqual(
      lists.map((q) => [q.query.limit, Boolean(q.query.continue)]),
      [
        ['3', false],
        ['3', true],
        ['3', true],
      ],
    );
  });
});
