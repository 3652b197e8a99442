/**
 * Reloading without a restart: the serving certificate (new serial served to new connections) and
 * --service-accounts-file (YAML/JSON shapes, reload on change, a broken file keeps the last good set).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import type { IrsaError } from '../../src/core/errors.js';
import { slimServiceAccount } from '../../src/webhook/sa-source.js';
import {
  FileServiceAccountSource,
  parseServiceAccounts,
  splitYamlListItems,
} from '../../src/webhook/sa-source-file.js';
import { tempDir } from '../support/cli.js';
import {
  captureLog,
  decodePatch,
  fileTlsProvider,
  pod,
  ROLE,
  review,
  send,
  serviceAccount,
  servingFor,
  startTestWebhook,
  testPki,
  until,
} from './helpers.js';

const JSON_CT = 'application/json';

describe('TLS certificate reload', () => {
  test('a new certificate on disk is served without a restart; a broken one is ignored', async (t) => {
    const dir = tempDir(t);
    const pki = await testPki();
    const ca = { certPem: pki.caPem, keyPem: pki.caKeyPem };
    const first = await servingFor(ca);
    const cert = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    writeFileSync(cert, first.certPem);
    writeFileSync(key, first.keyPem);
    const { log, lines } = captureLog('info');
    const tls = fileTlsProvider(cert, key, { onError: (m) => log.warn({}, m), pollMs: 300 });
    const w = await startTestWebhook(t, { tls, log, metrics: true });
    const serial1 = new X509Certificate(first.certPem).serialNumber;
    assert.equal((await send(w.url, pki.caPem, { method: 'GET', path: '/healthz' })).serial, serial1);

    // As a mounted Secret changes: new files, then renamed into place.
    const second = await servingFor(ca, 60);
    writeFileSync(`${cert}.new`, second.certPem);
    writeFileSync(`${key}.new`, second.keyPem);
    renameSync(`${key}.new`, key);
    renameSync(`${cert}.new`, cert);
    const serial2 = new X509Certificate(second.certPem).serialNumber;
    await until(
      async () => (await send(w.url, pki.caPem, { method: 'GET', path: '/healthz' })).serial === serial2,
      10_000,
      'the new certificate to be served',
    );

    // A key that does not match the certificate: logged, the last good pair stays.
    writeFileSync(key, first.keyPem);
    await until(() => lines.some((l) => l.includes('keeping the previous certificate')), 10_000, 'a warning');
    assert.equal((await send(w.url, pki.caPem, { method: 'GET', path: '/healthz' })).serial, serial2);
  });

  test('start-up with an unusable pair fails naming the files', async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'tls.crt'), 'not a certificate');
    writeFileSync(join(dir, 'tls.key'), 'not a key');
    const tls = fileTlsProvider(join(dir, 'tls.crt'), join(dir, 'tls.key'), { onError: () => undefined });
    await assert.rejects(
      tls.start(() => undefined),
      (e: IrsaError) => e.code === 'ERR_TLS_CREDENTIALS' && /tls\.crt/.test(e.message),
    );
    const missing = fileTlsProvider(join(dir, 'nope.crt'), join(dir, 'tls.key'), { onError: () => undefined });
    await assert.rejects(
      missing.start(() => undefined),
      /nope\.crt: cannot read TLS certificate \(no such file\)/,
    );
  });
});

const KUBECTL_LIST = `apiVersion: v1
items:
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    annotations:
      eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/a
      kubectl.kubernetes.io/last-applied-configuration: |
        {"apiVersion":"v1","kind":"ServiceAccount"}
    creationTimestamp: "2026-01-01T00:00:00Z"
    name: a
    namespace: team-a
    resourceVersion: "123"
    uid: 0b7e4b6e-0000-4000-8000-000000000001
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    name: default
    namespace: kube-system
kind: List
metadata:
  resourceVersion: ""
`;

describe('--service-accounts-file parsing', () => {
  test('kubectl get sa -A -o yaml (v1 List)', () => {
    const sas = parseServiceAccounts(KUBECTL_LIST, 'sa.yaml');
    assert.deepEqual(
      sas.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`),
      ['team-a/a', 'kube-system/default'],
    );
  });

  test('a YAML List is read entry by entry (kubectl and indented styles); other shapes parse whole', () => {
    const items = [
      serviceAccount('a', 'one', { 'eks.amazonaws.com/role-arn': ROLE, note: 'line1\nline2\n- not an entry\n' }),
      serviceAccount('b', 'two'),
    ];
    const indented = stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } });
    assert.match(indented, /^ {2}- /m);
    for (const text of [KUBECTL_LIST, indented]) {
      const entries = splitYamlListItems(text);
      assert.ok(entries, 'split');
      assert.equal(entries.length, 2);
    }
    assert.deepEqual(parseServiceAccounts(indented, 'sa.yaml'), items);
    // Flow style and multi-document files are parsed whole, with the same result.
    const flow = `kind: List\nitems: [${JSON.stringify(items[0])}]\n`;
    assert.equal(splitYamlListItems(flow), undefined);
    assert.equal(parseServiceAccounts(flow, 'sa.yaml').length, 1);
    const broken = KUBECTL_LIST.replace('    name: default', '    name: [default');
    assert.throws(() => parseServiceAccounts(broken, 'sa.yaml'), /sa\.yaml\.items\[1\]: invalid YAML/);
  });

  test('multi-document YAML, other kinds ignored, namespace defaults to default', () => {
    const text = [
      stringify(serviceAccount('ns1', 'one', { 'eks.amazonaws.com/role-arn': ROLE })),
      stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } }),
      stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'two' } }),
      '',
    ].join('---\n');
    const sas = parseServiceAccounts(text, 'sa.yaml');
    assert.deepEqual(
      sas.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`),
      ['ns1/one', 'default/two'],
    );
  });

  test('JSON: a single object, an array, a ServiceAccountList', () => {
    const one = serviceAccount('x', 'one');
    assert.equal(parseServiceAccounts(JSON.stringify(one), 'f.json').length, 1);
    assert.equal(parseServiceAccounts(JSON.stringify([one, one]), 'f.json').length, 2);
    const list = { apiVersion: 'v1', kind: 'ServiceAccountList', items: [one] };
    assert.equal(parseServiceAccounts(JSON.stringify(list), 'f.json').length, 1);
  });

  test('errors name the file and the document', () => {
    assert.throws(() => parseServiceAccounts('{"kind":', 'bad.json'), /bad\.json: invalid JSON/);
    assert.throws(() => parseServiceAccounts('a: [\n', 'bad.yaml'), /bad\.yaml: document 1: invalid YAML/);
    assert.throws(
      () => parseServiceAccounts('kind: ServiceAccount\nmetadata: {}\n', 'sa.yaml'),
      /sa\.yaml: ServiceAccount without metadata\.name/,
    );
  });

  test('only what mutation reads is kept (memory)', () => {
    const [sa] = parseServiceAccounts(KUBECTL_LIST, 'sa.yaml');
    const slim = slimServiceAccount(sa, 'eks.amazonaws.com');
    assert.deepEqual(slim.metadata, {
      name: 'a',
      namespace: 'team-a',
      resourceVersion: '123',
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/a' },
    });
    // A near-miss key is kept so the core can warn about the typo.
    const typo = slimServiceAccount(
      serviceAccount('n', 's', { 'eks.amazon.com/role-arn': ROLE, other: 'x' }),
      'eks.amazonaws.com',
    );
    assert.deepEqual(typo.metadata?.annotations, { 'eks.amazon.com/role-arn': ROLE });
  });
});

describe('--service-accounts-file reload', () => {
  test('a ServiceAccount added to the file is used without a restart; a broken file keeps the last good set', async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'sa.yaml');
    writeFileSync(file, stringify(serviceAccount('default', 'other')));
    const { log, lines } = captureLog('info');
    const source = new FileServiceAccountSource(file, {
      annotationPrefix: 'eks.amazonaws.com',
      pollMs: 300,
      onError: (m) => log.warn({}, m),
    });
    const w = await startTestWebhook(t, { source, lookupGraceMs: 0 });
    const mutated = async () =>
      decodePatch((await send(w.url, w.pki.caPem, { body: review(pod('app')), contentType: JSON_CT })).json().response)
        .length > 0;
    assert.equal(await mutated(), false);

    writeFileSync(
      file,
      `${stringify(serviceAccount('default', 'other'))}---\n${stringify(serviceAccount('default', 'app', { 'eks.amazonaws.com/role-arn': ROLE }))}`,
    );
    await until(mutated, 10_000, 'the reloaded ServiceAccount');
    assert.equal(source.size(), 2);

    writeFileSync(file, 'kind: [unclosed\n');
    await until(() => lines.some((l) => l.includes('keeping the previous 2 ServiceAccounts')), 10_000, 'a warning');
    assert.equal(await mutated(), true);
  });

  test('a mounted ConfigMap (..data symlink swap) is followed', async (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, 'v1'));
    mkdirSync(join(dir, 'v2'));
    writeFileSync(join(dir, 'v1', 'sa.yaml'), stringify(serviceAccount('default', 'other')));
    writeFileSync(
      join(dir, 'v2', 'sa.yaml'),
      stringify(serviceAccount('default', 'app', { 'eks.amazonaws.com/role-arn': ROLE })),
    );
    symlinkSync('v1', join(dir, '..data'));
    symlinkSync('..data/sa.yaml', join(dir, 'sa.yaml'));
    const source = new FileServiceAccountSource(join(dir, 'sa.yaml'), {
      annotationPrefix: 'eks.amazonaws.com',
      pollMs: 300,
    });
    await source.start();
    t.after(() => source.close());
    assert.equal(source.get('default', 'app'), undefined);
    symlinkSync('v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    await until(() => source.get('default', 'app'), 10_000, 'the swapped file');
  });

  test('start-up with a broken file fails naming it', async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'sa.yaml');
    writeFileSync(file, 'kind: [unclosed\n');
    const source = new FileServiceAccountSource(file, { annotationPrefix: 'eks.amazonaws.com' });
    await assert.rejects(source.start(), /sa\.yaml: document 1: invalid YAML/);
  });
});
