/**
 * Small pieces of the server shell: the item-by-item list reader, skip-reason labels (bounded cardinality),
 * AdmissionReview encoding, certificate issuing.
 */
// Certificates are issued in this process: @peculiar/x509 needs the Reflect polyfill first (src/core/certs/issue.ts).
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { certificateInfo, needsRotation } from '../../src/core/certs/info.js';
import { issueCa, issueServingCert, serviceDnsNames } from '../../src/core/certs/issue.js';
import { mutatePod } from '../../src/core/webhook/mutate.js';
import { DEFAULT_WEBHOOK_SETTINGS, type KubeObject, SKIP_POD_LABEL } from '../../src/core/webhook/types.js';
import { decodeReview, reviewEncoder } from '../../src/webhook/admission.js';
import { scanKubeList } from '../../src/webhook/list-scan.js';
import { SKIP_REASONS, skipReason } from '../../src/webhook/metrics.js';
import { slimServiceAccount, slimServiceAccountJson } from '../../src/webhook/sa-source.js';
import { applyPatch } from '../support/webhook-conformance.js';
import { pod, ROLE, serviceAccount } from './helpers.js';

describe('scanKubeList', () => {
  test('items one at a time, the rest parsed; strings with brackets, quotes and escapes', () => {
    const items = [
      { metadata: { name: 'a', annotations: { x: 'has } and ] and " and \\ and {[' } } },
      { metadata: { name: 'b' }, list: [1, [2, { c: null }], true, false, -1.5e3] },
      { metadata: { name: 'ü€' } },
    ];
    const doc = {
      kind: 'ServiceAccountList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '42', continue: 'tok' },
      items,
    };
    for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 2)]) {
      const got: unknown[] = [];
      const rest = scanKubeList(Buffer.from(text), (i) => got.push(i));
      assert.deepEqual(got, items);
      assert.deepEqual(rest, {
        kind: 'ServiceAccountList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '42', continue: 'tok' },
      });
    }
  });

  test('empty list, items last or first, and errors', () => {
    assert.deepEqual(
      scanKubeList(Buffer.from('{"items":[],"kind":"List"}'), () => assert.fail()),
      { kind: 'List' },
    );
    assert.deepEqual(
      scanKubeList(Buffer.from(' {} '), () => assert.fail()),
      {},
    );
    assert.throws(() => scanKubeList(Buffer.from('{"items":[{"a":1}'), () => undefined), SyntaxError);
    assert.throws(() => scanKubeList(Buffer.from('{"a":"unterminated'), () => undefined), /unterminated string/);
    assert.throws(() => scanKubeList(Buffer.from('[1]'), () => undefined), /expected '\{'/);
  });
});

describe('slimServiceAccountJson', () => {
  test('the same result as slimServiceAccount on the parsed object, without parsing what is dropped', () => {
    const sas = [
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name: 'a',
          namespace: 'n',
          resourceVersion: '7',
          uid: 'u',
          labels: { x: 'y' },
          annotations: {
            'eks.amazonaws.com/role-arn': ROLE,
            'eks.amazon.com/role-arn': 'typo',
            'kubectl.kubernetes.io/last-applied-configuration': '{"x":"} ] \\" {"}',
            'esc\\aped/region': 'us-east-1',
          },
        },
        secrets: [{ name: 's' }],
      },
      { metadata: { name: 'b', namespace: 'n' } },
      { metadata: { namespace: 'n', name: 'c', annotations: {} } },
    ];
    for (const sa of sas) {
      const buf = Buffer.from(JSON.stringify(sa, null, 1));
      assert.deepEqual(
        slimServiceAccountJson(buf, 0, 'eks.amazonaws.com'),
        slimServiceAccount(sa as unknown as KubeObject, 'eks.amazonaws.com'),
      );
    }
  });
});

describe('skip reasons', () => {
  const settings = DEFAULT_WEBHOOK_SETTINGS;
  test('each reason the core gives maps to its bounded label, names inside never matter', () => {
    const withRole = serviceAccount('optimizer', 'app', { 'eks.amazonaws.com/role-arn': ROLE });
    const cases: Array<[string | undefined, string]> = [
      [mutatePod(pod(), undefined, settings, { namespace: 'optimizer' }).skipped, 'no-service-account'],
      [mutatePod(pod(), serviceAccount('optimizer', 'app'), settings, { namespace: 'optimizer' }).skipped, 'no-role'],
      [
        mutatePod(pod(), serviceAccount('skip', 'app', { 'eks.amazonaws.com/role-arn': 'nope' }), settings, {
          namespace: 'skip',
        }).skipped,
        'invalid-role-arn',
      ],
      [
        mutatePod(pod('app', { labels: { [SKIP_POD_LABEL]: 'true' } }), withRole, settings, { namespace: 'optimizer' })
          .skipped,
        'opted-out',
      ],
      ['object has no pod spec', 'other'],
    ];
    for (const [skipped, label] of cases) {
      assert.ok(skipped, 'the core gave a reason');
      assert.equal(skipReason(skipped), label, skipped);
    }
    // Already mutated: feed the mutated pod back.
    const first = mutatePod(pod(), withRole, settings, { namespace: 'optimizer' });
    assert.ok(first.patch.length > 0);
    const again = mutatePod(applyPatch(pod(), first.patch), withRole, settings, { namespace: 'optimizer' });
    assert.equal(skipReason(again.skipped ?? ''), 'already-mutated');
    for (const label of cases.map((c) => c[1])) assert.ok((SKIP_REASONS as readonly string[]).includes(label));
  });
});

describe('AdmissionReview encoding', () => {
  test('envelope is valid JSON with escaped uid and warnings; no TypeMeta when the request had none', () => {
    const body = Buffer.from(JSON.stringify({ request: { uid: 'a"b\\c', object: {} } }));
    const r = decodeReview(body);
    const out = JSON.parse(
      reviewEncoder()(r, r.request.uid, {
        allowed: false,
        status: { code: 500, message: 'x "quoted"' },
        warnings: ['w "1"', 'ü'],
        patch: [{ op: 'add', path: '/a', value: 'é' }],
      }),
    );
    assert.deepEqual(Object.keys(out), ['response']);
    assert.equal(out.response.uid, 'a"b\\c');
    assert.deepEqual(out.response.warnings, ['w "1"', 'ü']);
    assert.deepEqual(out.response.status, { metadata: {}, code: 500, message: 'x "quoted"' });
    assert.deepEqual(JSON.parse(Buffer.from(out.response.patch, 'base64').toString('utf8')), [
      { op: 'add', path: '/a', value: 'é' },
    ]);
  });

  test('the kept last patch and warnings never leak into the next answer', () => {
    const r = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' };
    const encodeReview = reviewEncoder();
    const answer = (patchValue: string, warnings: string[]) => {
      const patch = [{ op: 'add' as const, path: '/a', value: patchValue }];
      const out = JSON.parse(encodeReview(r, 'u', { allowed: true, patch, warnings }));
      return [JSON.parse(Buffer.from(out.response.patch, 'base64').toString('utf8'))[0].value, out.response.warnings];
    };
    const reused = ['one'];
    assert.deepEqual(answer('x', reused), ['x', ['one']]);
    assert.deepEqual(answer('y', ['two', 'three']), ['y', ['two', 'three']]);
    reused.push('changed after encoding');
    assert.deepEqual(answer('x', reused), ['x', ['one', 'changed after encoding']]);
    assert.deepEqual(answer('x', ['one']), ['x', ['one']]);
  });
});

describe('AdmissionReview encoding: the remembered last patch', () => {
  test('a frozen value is reused by identity; an unfrozen one changed in place is encoded again', () => {
    const encode = reviewEncoder();
    const r = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' };
    const sent = (value: unknown) => {
      const out = JSON.parse(encode(r, 'u', { allowed: true, patch: [{ op: 'add', path: '/a', value }] }));
      return JSON.parse(Buffer.from(out.response.patch, 'base64').toString('utf8'))[0].value;
    };
    const shared = Object.freeze({ name: 'AWS_REGION', value: 'eu-west-1' });
    assert.deepEqual(sent(shared), shared);
    assert.deepEqual(sent(shared), shared);
    const fresh: Record<string, string> = { name: 'A', value: '1' };
    assert.deepEqual(sent(fresh), { name: 'A', value: '1' });
    fresh.value = '2';
    assert.deepEqual(sent(fresh), { name: 'A', value: '2' }, 'the same unfrozen object, changed: not reused');
    const list: Array<Readonly<Record<string, string>>> = [shared];
    assert.deepEqual(sent(list), [shared]);
    list.push(Object.freeze({ name: 'B', value: '3' }));
    assert.deepEqual(sent(list), [shared, { name: 'B', value: '3' }], 'an array changed after encoding');
  });
});

describe('certificates', () => {
  test('CA: CA flag, self-signed; serving: SANs, serverAuth, signed by the CA, capped at the CA expiry', async () => {
    const ca = await issueCa({ days: 30 });
    const caCert = new X509Certificate(ca.certPem);
    assert.equal(caCert.ca, true);
    assert.ok(caCert.checkIssued(caCert));
    const leaf = await issueServingCert({
      ca,
      dnsNames: serviceDnsNames('s', 'n'),
      ipAddresses: ['127.0.0.1'],
      days: 365,
    });
    const c = new X509Certificate(leaf.certPem);
    assert.equal(c.ca, false);
    assert.ok(c.verify(caCert.publicKey));
    assert.equal(c.subjectAltName, 'DNS:s, DNS:s.n, DNS:s.n.svc, DNS:s.n.svc.cluster.local, IP Address:127.0.0.1');
    assert.deepEqual(c.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.equal(leaf.notAfter.getTime(), ca.notAfter.getTime(), 'never outlives its CA');
    assert.deepEqual(certificateInfo(leaf.certPem).dnsNames, serviceDnsNames('s', 'n'));
  });

  test('needsRotation: once less than a third of the lifetime is left', async () => {
    const ca = await issueCa();
    const now = Date.now();
    const day = 86_400_000;
    const fresh = await issueServingCert({
      ca,
      dnsNames: ['x'],
      notBefore: new Date(now - 10 * day),
      notAfter: new Date(now + 80 * day),
    });
    const old = await issueServingCert({
      ca,
      dnsNames: ['x'],
      notBefore: new Date(now - 70 * day),
      notAfter: new Date(now + 20 * day),
    });
    assert.equal(needsRotation(fresh.certPem, new Date(now)), false);
    assert.equal(needsRotation(old.certPem, new Date(now)), true);
  });
});
