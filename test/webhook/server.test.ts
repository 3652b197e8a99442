/**
 * The HTTPS server shell over real TLS on 127.0.0.1: envelope (v1/v1beta1), every bad input, fail-open and
 * --fail-closed, readiness, keep-alive, metrics, logs, and the drain on close.
 */
import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { Agent, request } from 'node:https';
import { describe, test } from 'node:test';
import {
  captureLog,
  decodePatch,
  memorySource,
  pod,
  ROLE,
  review,
  send,
  serviceAccount,
  startTestWebhook,
  testPki,
} from './helpers.js';

const JSON_CT = 'application/json';
const APP_SA = serviceAccount('default', 'app', { 'eks.amazonaws.com/role-arn': ROLE });

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    httpGet(`http://127.0.0.1:${port}/metrics`, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

function metric(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(name));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('AdmissionReview envelope', () => {
  test('v1: apiVersion/kind/uid echoed, JSONPatch base64', async (t) => {
    const w = await startTestWebhook(t, { source: memorySource([APP_SA]) });
    const res = await send(w.url, w.pki.caPem, { body: review(pod(), { uid: 'u-v1' }), contentType: JSON_CT });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const b = res.json();
    assert.equal(b.apiVersion, 'admission.k8s.io/v1');
    assert.equal(b.kind, 'AdmissionReview');
    assert.equal(b.response.uid, 'u-v1');
    assert.equal(b.response.allowed, true);
    assert.equal(b.response.patchType, 'JSONPatch');
    const env = decodePatch(b.response).find((op) => op.path === '/spec/containers/0/env');
    assert.ok(env.value.some((e: { name: string; value: string }) => e.name === 'AWS_ROLE_ARN' && e.value === ROLE));
  });

  test('v1beta1 request: v1beta1 response, uid echoed', async (t) => {
    const w = await startTestWebhook(t, { source: memorySource([APP_SA]) });
    const body = review(pod(), { uid: 'u-beta', apiVersion: 'admission.k8s.io/v1beta1' });
    const b = (await send(w.url, w.pki.caPem, { body, contentType: JSON_CT })).json();
    assert.equal(b.apiVersion, 'admission.k8s.io/v1beta1');
    assert.equal(b.kind, 'AdmissionReview');
    assert.equal(b.response.uid, 'u-beta');
    assert.ok(decodePatch(b.response).length > 0);
  });

  test('warnings from the core are returned (invalid role ARN: allowed, not injected, warned)', async (t) => {
    const bad = serviceAccount('default', 'app', { 'eks.amazonaws.com/role-arn': 'not-an-arn' });
    const w = await startTestWebhook(t, { source: memorySource([bad]) });
    const b = (await send(w.url, w.pki.caPem, { body: review(pod()), contentType: JSON_CT })).json();
    assert.equal(b.response.allowed, true);
    assert.equal(b.response.patch, undefined);
    assert.ok(
      b.response.warnings.some((x: string) => x.includes('not-an-arn')),
      b.response.warnings,
    );
  });

  test('charset parameter on application/json is accepted', async (t) => {
    const w = await startTestWebhook(t, { source: memorySource([APP_SA]) });
    const res = await send(w.url, w.pki.caPem, { body: review(pod()), contentType: 'application/json; charset=utf-8' });
    assert.equal(res.status, 200);
  });
});

describe('bad input never denies a pod by itself', () => {
  const cases: Array<[string, string]> = [
    ['malformed JSON', '{"request": '],
    ['empty body', ''],
    ['JSON null', 'null'],
    ['no request', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}'],
    ['request.object not an object', '{"request":{"uid":"x","object":"\\"metadata\\""}}'],
    ['wrong apiVersion', '{"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{"object":{}}}'],
    ['wrong kind', '{"apiVersion":"admission.k8s.io/v1","kind":"Pod","request":{"object":{}}}'],
  ];
  for (const [name, body] of cases) {
    test(`${name} → 400 with a message`, async (t) => {
      const w = await startTestWebhook(t, { source: memorySource([APP_SA]), metrics: true });
      const res = await send(w.url, w.pki.caPem, { body, contentType: JSON_CT });
      assert.equal(res.status, 400);
      assert.ok(res.body.trim().length > 5, res.body);
      assert.match(await scrape(w.metricsPort!), /irsa_webhook_requests_total\{path="\/mutate",code="400"\} 1/);
    });
  }

  test('wrong or missing content type → 415 (upstream text)', async (t) => {
    const w = await startTestWebhook(t, { source: memorySource([APP_SA]) });
    for (const ct of ['application/xml', 'text/plain', undefined]) {
      const res = await send(w.url, w.pki.caPem, { body: review(pod()), contentType: ct });
      assert.equal(res.status, 415, String(ct));
      assert.equal(res.body, 'Invalid Content-Type, expected `application/json`\n');
    }
  });

  test('body over --max-body-bytes → 413, connection closed, server still serves', async (t) => {
    const w = await startTestWebhook(t, { source: memorySource([APP_SA]), maxBodyBytes: 4096 });
    const big = review(pod('app', { annotations: { filler: 'x'.repeat(8000) } }));
    const res = await send(w.url, w.pki.caPem, { body: big, contentType: JSON_CT });
    assert.equal(res.status, 413);
    assert.equal(res.headers.connection, 'close');
    // Chunked (no Content-Length): the limit is enforced while reading.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${w.url}/mutate`,
        { method: 'POST', ca: w.pki.caPem, headers: { 'content-type': JSON_CT }, agent: false },
        (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write('x'.repeat(1000));
      req.end();
    });
    assert.equal(chunked, 413);
    const ok = await send(w.url, w.pki.caPem, { body: review(pod()), contentType: JSON_CT });
    assert.equal(ok.status, 200);
  });

  test('a non-Pod object → allowed, no patch', async (t) => {
    const w = await startTestWebhook(t, { source: memorySource([APP_SA]), metrics: true });
    const body = JSON.parse(review(pod()));
    body.request.kind = { group: 'apps', version: 'v1', kind: 'Deployment' };
    body.request.object = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: {} };
    const b = (await send(w.url, w.pki.caPem, { body: JSON.stringify(body), contentType: JSON_CT })).json();
    assert.equal(b.response.allowed, true);
    assert.equal(b.response.patch, undefined);
    assert.match(await scrape(w.metricsPort!), /irsa_webhook_skipped_total\{reason="not-a-pod"\} 1/);
  });

  test('internal error → allowed with a warning and a metric (fail-open)', async (t) => {
    const w = await startTestWebhook(t, {
      source: memorySource([APP_SA]),
      metrics: true,
      mutate: () => {
        throw new Error('boom');
      },
    });
    const res = await send(w.url, w.pki.caPem, { body: review(pod(), { uid: 'u-err' }), contentType: JSON_CT });
    assert.equal(res.status, 200);
    const b = res.json();
    assert.equal(b.response.uid, 'u-err');
    assert.equal(b.response.allowed, true);
    assert.equal(b.response.patch, undefined);
    assert.ok(b.response.warnings[0].includes('boom'));
    assert.equal(metric(await scrape(w.metricsPort!), 'irsa_webhook_internal_errors_total'), 1);
  });

  test('internal error with --fail-closed → allowed:false with a status message', async (t) => {
    const w = await startTestWebhook(t, {
      source: memorySource([APP_SA]),
      failClosed: true,
      mutate: () => {
        throw new Error('boom');
      },
    });
    const b = (await send(w.url, w.pki.caPem, { body: review(pod()), contentType: JSON_CT })).json();
    assert.equal(b.response.allowed, false);
    assert.equal(b.response.status.code, 500);
    assert.match(b.response.status.message, /internal error: boom/);
  });

  test('a ServiceAccount lookup that fails is an internal error too (fail-open)', async (t) => {
    const source = {
      ...memorySource([]),
      lookup: async () => {
        throw new Error('apiserver said 500');
      },
    };
    const w = await startTestWebhook(t, { source });
    const b = (await send(w.url, w.pki.caPem, { body: review(pod()), contentType: JSON_CT })).json();
    assert.equal(b.response.allowed, true);
    assert.match(b.response.warnings[0], /apiserver said 500/);
  });
});

describe('probes, routing, keep-alive, metrics, logs', () => {
  test('/healthz always ok; /readyz 503 until the source is synced', async (t) => {
    const source = memorySource([APP_SA], false);
    const w = await startTestWebhook(t, { source });
    assert.equal((await send(w.url, w.pki.caPem, { method: 'GET', path: '/healthz' })).status, 200);
    const notReady = await send(w.url, w.pki.caPem, { method: 'GET', path: '/readyz' });
    assert.equal(notReady.status, 503);
    assert.match(notReady.body, /not synced/);
    source.ready = true;
    assert.equal((await send(w.url, w.pki.caPem, { method: 'GET', path: '/readyz' })).status, 200);
    assert.equal((await send(w.url, w.pki.caPem, { method: 'GET', path: '/nope' })).status, 404);
    assert.equal((await send(w.url, w.pki.caPem, { method: 'GET', path: '/mutate' })).status, 405);
  });

  test('keep-alive: many requests over one TLS connection', async (t) => {
    const w = await startTestWebhook(t, { source: memorySource([APP_SA]) });
    let connections = 0;
    w.server.server.on('secureConnection', () => connections++);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    for (let i = 0; i < 5; i++) {
      const res = await send(w.url, w.pki.caPem, { body: review(pod()), contentType: JSON_CT, agent });
      assert.equal(res.status, 200);
      assert.notEqual(res.headers.connection, 'close');
    }
    assert.equal(connections, 1);
  });

  test('/metrics: requests, latency, mutations, skipped, missing ServiceAccounts, certificate expiry', async (t) => {
    const w = await startTestWebhook(t, { source: memorySource([APP_SA]), metrics: true, lookupGraceMs: 0 });
    await send(w.url, w.pki.caPem, { body: review(pod()), contentType: JSON_CT });
    await send(w.url, w.pki.caPem, { body: review(pod('ghost')), contentType: JSON_CT });
    const text = await scrape(w.metricsPort!);
    assert.match(text, /irsa_webhook_requests_total\{path="\/mutate",code="200"\} 2/);
    assert.match(text, /irsa_webhook_request_duration_seconds_count\{path="\/mutate"\} 2/);
    assert.match(text, /irsa_webhook_mutations_total\{method="web-identity"\} 1/);
    assert.equal(metric(text, 'irsa_webhook_missing_service_account_total'), 1);
    assert.match(text, /irsa_webhook_skipped_total\{reason="no-service-account"\} 1/);
    assert.equal(metric(text, 'irsa_webhook_service_accounts'), 1);
    assert.equal(metric(text, 'irsa_webhook_ready'), 1);
    const { X509Certificate } = await import('node:crypto');
    const notAfter = Math.floor(new Date(new X509Certificate(w.pki.certPem).validTo).getTime() / 1000);
    assert.equal(metric(text, 'irsa_webhook_certificate_expiry_timestamp_seconds'), notAfter);
  });

  test('one debug line per request; no pod content (env values) in logs', async (t) => {
    const { log, lines } = captureLog('debug');
    const w = await startTestWebhook(t, { source: memorySource([APP_SA]), log });
    const p = pod();
    (p.spec as { containers: Array<Record<string, unknown>> }).containers[0].env = [
      { name: 'DB_PASSWORD', value: 'SUPER-SECRET-MARKER' },
    ];
    await send(w.url, w.pki.caPem, { body: review(p), contentType: JSON_CT });
    const admission = lines.filter((l) => l.includes('"msg":"admission"'));
    assert.equal(admission.length, 1);
    assert.match(admission[0], /"mutated":true/);
    assert.ok(!lines.some((l) => l.includes('SUPER-SECRET-MARKER')));
  });

  test('no debug line at info level', async (t) => {
    const { log, lines } = captureLog('info');
    const w = await startTestWebhook(t, { source: memorySource([APP_SA]), log });
    await send(w.url, w.pki.caPem, { body: review(pod()), contentType: JSON_CT });
    assert.equal(lines.filter((l) => l.includes('"msg":"admission"')).length, 0);
  });
});

describe('drain', () => {
  test('close() lets an in-flight request finish, then refuses new connections', async (t) => {
    // The lookup signals when the request is in the handler and holds it there until released: the order is
    // set from inside, not by timers.
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => {
      entered = r;
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const source = {
      ...memorySource([]),
      lookup: async () => {
        entered();
        await gate;
        return APP_SA;
      },
    };
    const w = await startTestWebhook(t, { source });
    const pki = await testPki();
    const inflight = send(w.url, pki.caPem, { body: review(pod()), contentType: JSON_CT });
    await inHandler;
    let closed = false;
    const closing = w.close().then(() => {
      closed = true;
    });
    // close() stops accepting at once; it waits for the held request.
    await assert.rejects(send(w.url, pki.caPem, { method: 'GET', path: '/healthz' }));
    assert.equal(closed, false, 'close() returned while a request was in flight');
    release();
    const res = await inflight;
    assert.equal(res.status, 200);
    assert.equal(res.headers.connection, 'close');
    assert.ok(decodePatch(res.json().response).length > 0, 'the in-flight pod was still mutated');
    await closing;
    await assert.rejects(send(w.url, pki.caPem, { method: 'GET', path: '/healthz' }));
  });
});
