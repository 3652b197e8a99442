/**
 * Self-managed TLS against the local test API server: the Secret is created, the caBundle injected into the
 * MutatingWebhookConfiguration, replicas racing converge on one Secret and one CA, and certificates rotate before
 * they expire (serving certificate with the same CA; the CA itself with the previous one kept in the bundle).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import pino from 'pino';
import { issueCa, issueServingCert, serviceDnsNames } from '../../src/core/certs/issue.js';
import { loadKubeConfig } from '../../src/io/kube/client.js';
import { type SelfManagedOptions, selfManagedTlsProvider } from '../../src/webhook/self-managed-certs.js';
import { tempDir } from '../support/cli.js';
import { type FakeKube, startKubeApiServer } from '../support/kube-apiserver.js';
import { memorySource, send, startTestWebhook, until } from './helpers.js';

const NS = 'irsa-webhook';
const SECRET = 'irsa-webhook-tls';
const SVC_NAME = 'irsa-webhook.irsa-webhook.svc';
const DAY = 86_400_000;

function mwc(kube: FakeKube) {
  kube.put('mutatingwebhookconfigurations', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'irsa-webhook' },
    webhooks: ['pods.irsa.example', 'pods2.irsa.example'].map((name) => ({
      name,
      admissionReviewVersions: ['v1', 'v1beta1'],
      sideEffects: 'None',
      failurePolicy: 'Ignore',
      clientConfig: { service: { name: 'irsa-webhook', namespace: NS, path: '/mutate', port: 443 } },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    })),
  });
}

async function setup(t: { after: (fn: () => unknown) => void }) {
  const kube = await startKubeApiServer();
  t.after(() => kube.close());
  const { kubeConfig } = await loadKubeConfig({ kubeconfig: kube.writeKubeconfig(tempDir(t)) });
  const provider = (extra: Partial<SelfManagedOptions> = {}) =>
    selfManagedTlsProvider(kubeConfig, {
      secretNamespace: NS,
      secretName: SECRET,
      webhookConfig: 'irsa-webhook',
      service: 'irsa-webhook',
      serviceNamespace: NS,
      log: pino({ level: 'silent' }),
      retryDelayMs: 100,
      checkIntervalMs: 200,
      ...extra,
    });
  return { kube, provider };
}

function secretPem(kube: FakeKube, key: string): string {
  const s = kube.get('secrets', NS, SECRET);
  assert.ok(s, 'Secret exists');
  return Buffer.from(s.data[key], 'base64').toString('utf8');
}

function bundles(kube: FakeKube): string[] {
  return kube
    .get('mutatingwebhookconfigurations', undefined, 'irsa-webhook')!
    .webhooks.map((w: { clientConfig: { caBundle?: string } }) => w.clientConfig.caBundle ?? '');
}

describe('self-managed certificates', () => {
  test('creates the Secret, injects the caBundle into every webhook, serves a certificate for the Service', async (t) => {
    const { kube, provider } = await setup(t);
    mwc(kube);
    const w = await startTestWebhook(t, { tls: provider(), source: memorySource([]) });
    const s = kube.get('secrets', NS, SECRET)!;
    assert.equal(s.type, 'kubernetes.io/tls');
    assert.deepEqual(Object.keys(s.data).sort(), ['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    const caPem = secretPem(kube, 'ca.crt');
    const b64 = Buffer.from(caPem).toString('base64');
    await until(() => bundles(kube).every((b) => b === b64), 5000, 'caBundle on both webhooks');
    const leaf = new X509Certificate(secretPem(kube, 'tls.crt'));
    for (const n of serviceDnsNames('irsa-webhook', NS)) assert.ok(leaf.subjectAltName?.includes(`DNS:${n}`), n);
    // A client trusting only the injected caBundle accepts the served certificate for the Service name.
    const res = await send(w.url, caPem, { method: 'GET', path: '/healthz', servername: SVC_NAME });
    assert.equal(res.status, 200);
    assert.equal(res.serial, leaf.serialNumber);
  });

  test('two replicas racing: one Secret, both serve the same CA and certificate', async (t) => {
    const { kube, provider } = await setup(t);
    mwc(kube);
    // Both reads are held until both have arrived, so both see "absent" and both try to create.
    const reads = kube.holdNext(new RegExp(`/namespaces/${NS}/secrets/${SECRET}$`), { count: 2, method: 'GET' });
    const starting = Promise.all([
      startTestWebhook(t, { tls: provider(), source: memorySource([]) }),
      startTestWebhook(t, { tls: provider(), source: memorySource([]) }),
    ]);
    await reads.waitForHeld(2, 30_000);
    reads.release();
    const [a, b] = await starting;
    const creates = kube.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/namespaces/${NS}/secrets`));
    assert.equal(creates.length, 2);
    assert.deepEqual(creates.map((r) => r.status).sort(), [201, 409]);
    assert.equal(kube.list('secrets', NS).length, 1);
    const caPem = secretPem(kube, 'ca.crt');
    const ra = await send(a.url, caPem, { method: 'GET', path: '/healthz', servername: SVC_NAME });
    const rb = await send(b.url, caPem, { method: 'GET', path: '/healthz', servername: SVC_NAME });
    assert.equal(ra.serial, rb.serial);
    await until(() => bundles(kube).every((x) => x === Buffer.from(caPem).toString('base64')), 5000, 'caBundle');
  });

  test('an existing certificate near expiry is rotated at start (same CA)', async (t) => {
    const { kube, provider } = await setup(t);
    mwc(kube);
    const now = Date.now();
    const ca = await issueCa();
    const old = await issueServingCert({
      ca,
      dnsNames: serviceDnsNames('irsa-webhook', NS),
      notBefore: new Date(now - 300 * DAY),
      notAfter: new Date(now + 10 * DAY),
    });
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    kube.put('secrets', {
      metadata: { name: SECRET, namespace: NS },
      type: 'kubernetes.io/tls',
      data: {
        'ca.crt': b64(ca.certPem),
        'ca.key': b64(ca.keyPem),
        'tls.crt': b64(old.certPem),
        'tls.key': b64(old.keyPem),
      },
    });
    const w = await startTestWebhook(t, { tls: provider(), source: memorySource([]) });
    const leaf = new X509Certificate(secretPem(kube, 'tls.crt'));
    assert.notEqual(leaf.serialNumber, old.serialNumber);
    assert.equal(secretPem(kube, 'ca.crt'), ca.certPem, 'the CA is kept');
    assert.ok(new Date(leaf.validTo).getTime() > now + 300 * DAY);
    const res = await send(w.url, ca.certPem, { method: 'GET', path: '/healthz', servername: SVC_NAME });
    assert.equal(res.serial, leaf.serialNumber);
  });

  test('rotation while running: a new serving certificate is served without a restart; then the CA rotates', async (t) => {
    const { kube, provider } = await setup(t);
    mwc(kube);
    let offset = 0;
    const now = () => new Date(Date.now() + offset);
    const w = await startTestWebhook(t, { tls: provider({ now }), source: memorySource([]) });
    const caPem = secretPem(kube, 'ca.crt');
    const first = new X509Certificate(secretPem(kube, 'tls.crt')).serialNumber;
    assert.equal((await send(w.url, caPem, { method: 'GET', path: '/healthz', servername: SVC_NAME })).serial, first);

    offset = 300 * DAY; // past two thirds of a 365-day certificate
    await until(() => new X509Certificate(secretPem(kube, 'tls.crt')).serialNumber !== first, 10_000, 'rotation');
    const second = new X509Certificate(secretPem(kube, 'tls.crt')).serialNumber;
    assert.equal(secretPem(kube, 'ca.crt'), caPem);
    // The new certificate starts "in the future" of the real clock here, so only its serial is read.
    await until(
      async () => (await send(w.url, caPem, { method: 'GET', path: '/healthz', insecure: true })).serial === second,
      10_000,
      'the rotated certificate to be served',
    );

    offset = 2600 * DAY; // past two thirds of the 10-year CA
    await until(() => secretPem(kube, 'ca.crt') !== caPem, 10_000, 'CA rotation');
    assert.equal(secretPem(kube, 'ca-previous.crt'), caPem);
    const both = Buffer.from(secretPem(kube, 'ca.crt') + caPem).toString('base64');
    await until(() => bundles(kube).every((b) => b === both), 10_000, 'bundle with the new and the previous CA');
  });

  test('a MutatingWebhookConfiguration created later still gets the caBundle', async (t) => {
    const { kube, provider } = await setup(t);
    await startTestWebhook(t, { tls: provider(), source: memorySource([]) });
    mwc(kube);
    const b64 = Buffer.from(secretPem(kube, 'ca.crt')).toString('base64');
    await until(() => bundles(kube).every((b) => b === b64), 10_000, 'late injection');
  });

  test('a stale MutatingWebhookConfiguration update (409) is retried', async (t) => {
    const { kube, provider } = await setup(t);
    mwc(kube);
    kube.failNext(/mutatingwebhookconfigurations\/irsa-webhook$/, 409, { method: 'PUT' });
    await startTestWebhook(t, { tls: provider(), source: memorySource([]) });
    const b64 = Buffer.from(secretPem(kube, 'ca.crt')).toString('base64');
    await until(() => bundles(kube).every((b) => b === b64), 10_000, 'injection after a conflict');
    const puts = kube.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/irsa-webhook'));
    assert.ok(puts.some((r) => r.status === 409));
  });
});
