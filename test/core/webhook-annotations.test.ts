// The small pieces of the mutation core: Go-compatible parsing of annotation values, JSON-pointer escaping,
// path joining and the Windows token path.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import jsonpatch from 'fast-json-patch';
import {
  clampExpiration,
  findNearMissKeys,
  parseCsvRecord,
  parseGoBool,
  parseGoInt64,
  parsePodAnnotations,
  parseServiceAccountAnnotations,
} from '../../src/core/webhook/annotations.js';
import { appendOps, escapePointer, pointer, setKeyOp } from '../../src/core/webhook/patch.js';
import { isWindowsPod, joinPath, tokenFilePath, tokenVolume } from '../../src/core/webhook/volume.js';

const DEFAULTS = { audience: 'sts.amazonaws.com', stsRegionalEndpoints: false, expirationSeconds: 86400, region: '' };

describe('Go value parsing', () => {
  test('ParseBool accepts exactly Go spellings', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(t), true, t);
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(f), false, f);
    for (const bad of ['', 'yes', 'tRUE', ' true', 'on']) assert.equal(parseGoBool(bad), undefined, bad);
  });

  test('ParseInt base 10, 64-bit', () => {
    assert.equal(parseGoInt64('3600'), 3600);
    assert.equal(parseGoInt64('+3600'), 3600);
    assert.equal(parseGoInt64('-1'), -1);
    assert.equal(parseGoInt64('007'), 7);
    assert.equal(parseGoInt64('9223372036854775807'), Number(2n ** 63n - 1n));
    for (const bad of ['', ' 1', '1 ', '1e3', '0x10', '1_000', '3600s', '9223372036854775808']) {
      assert.equal(parseGoInt64(bad), undefined, bad);
    }
  });

  test('expiration clamp to [600, 86400]', () => {
    assert.deepEqual(clampExpiration(0), { seconds: 600, clamped: 'min' });
    assert.deepEqual(clampExpiration(600), { seconds: 600 });
    assert.deepEqual(clampExpiration(86400), { seconds: 86400 });
    assert.deepEqual(clampExpiration(86401), { seconds: 86400, clamped: 'max' });
  });

  test('encoding/csv single record', () => {
    assert.deepEqual(parseCsvRecord('a,b'), ['a', 'b']);
    assert.deepEqual(parseCsvRecord('a, b'), ['a', ' b']);
    assert.deepEqual(parseCsvRecord('"a,b",c'), ['a,b', 'c']);
    assert.deepEqual(parseCsvRecord('"say ""hi"""'), ['say "hi"']);
    assert.deepEqual(parseCsvRecord('a,'), ['a', '']);
    assert.deepEqual(parseCsvRecord('\na,b\nc'), ['a', 'b']);
    assert.deepEqual(parseCsvRecord('a\r\nb'), ['a']);
    assert.equal(parseCsvRecord(''), undefined);
    assert.equal(parseCsvRecord('a"b'), undefined);
    assert.equal(parseCsvRecord('"a'), undefined);
    assert.equal(parseCsvRecord('"a"b'), undefined);
  });
});

describe('annotation parsing', () => {
  test('ServiceAccount defaults when nothing is annotated', () => {
    assert.deepEqual(parseServiceAccountAnnotations(undefined, 'eks.amazonaws.com', DEFAULTS), {
      roleArn: undefined,
      audience: 'sts.amazonaws.com',
      useRegionalSts: false,
      expirationSeconds: 86400,
      region: '',
      warnings: [],
    });
  });

  test('every ServiceAccount annotation', () => {
    const cfg = parseServiceAccountAnnotations(
      {
        'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/r',
        'eks.amazonaws.com/audience': 'a',
        'eks.amazonaws.com/sts-regional-endpoints': 'true',
        'eks.amazonaws.com/token-expiration': '1200',
        'eks.amazonaws.com/region': 'eu-west-3',
        'other.example/role-arn': 'ignored',
      },
      'eks.amazonaws.com',
      DEFAULTS,
    );
    assert.deepEqual(cfg, {
      roleArn: 'arn:aws:iam::111122223333:role/r',
      audience: 'a',
      useRegionalSts: true,
      expirationSeconds: 1200,
      region: 'eu-west-3',
      warnings: [],
    });
  });

  test('pod annotations', () => {
    const cfg = parsePodAnnotations(
      { 'eks.amazonaws.com/token-expiration': '1000', 'eks.amazonaws.com/skip-containers': 'a, b' },
      'eks.amazonaws.com',
    );
    assert.equal(cfg.expirationSeconds, 1000);
    assert.deepEqual([...cfg.skipContainers].sort(), [' b', 'a', 'b']);
    assert.deepEqual(cfg.warnings, []);
    assert.equal(parsePodAnnotations(undefined, 'eks.amazonaws.com').expirationSeconds, undefined);
  });

  test('near-miss role keys', () => {
    assert.deepEqual(
      findNearMissKeys(
        {
          'eks.amazonaws.com/role-arn': 'x',
          'eks.amazon.com/role-arn': 'x',
          'eks.amazonaws.com/roleArn': 'x',
          'EKS.amazonaws.com/audience': 'x',
          'iam.amazonaws.com/role': 'kiam, not a role-arn typo',
          'app.kubernetes.io/name': 'x',
        },
        'eks.amazonaws.com',
      ),
      ['eks.amazon.com/role-arn', 'eks.amazonaws.com/roleArn', 'EKS.amazonaws.com/audience'],
    );
  });
});

describe('JSON patch building', () => {
  test('RFC 6901 escaping, ~ before /', () => {
    assert.equal(escapePointer('a/b~c'), 'a~1b~0c');
    assert.equal(escapePointer('~1'), '~01');
    assert.equal(pointer('metadata', 'labels', 'x~/y'), '/metadata/labels/x~0~1y');
    assert.equal(pointer('spec', 'containers', 2, 'env'), '/spec/containers/2/env');
  });

  test('ops apply with a validating RFC 6902 implementation', () => {
    const doc = { metadata: { labels: { a: '1' } }, spec: { list: [1] } };
    const ops = [
      setKeyOp('/metadata/labels', doc.metadata.labels, 'x~/y', 'v'),
      ...appendOps('/spec/list', doc.spec.list, [2, 3]),
      ...appendOps('/spec/other', undefined, [4]),
      setKeyOp('/spec/sc', undefined, 'fsGroup', 1),
    ];
    const out = jsonpatch.applyPatch(jsonpatch.deepClone(doc), ops as jsonpatch.Operation[], true, false).newDocument;
    assert.deepEqual(out, {
      metadata: { labels: { a: '1', 'x~/y': 'v' } },
      spec: { list: [1, 2, 3], other: [4], sc: { fsGroup: 1 } },
    });
    assert.deepEqual(appendOps('/spec/list', [1], []), []);
  });
});

describe('volume and paths', () => {
  test('Go filepath.Join semantics', () => {
    assert.equal(joinPath('/var/run/x', 'token'), '/var/run/x/token');
    assert.equal(joinPath('/var/run/x/', 'token'), '/var/run/x/token');
    assert.equal(
      joinPath('/con-creds-mount-path', 'con-creds-token-path'),
      '/con-creds-mount-path/con-creds-token-path',
    );
    assert.equal(joinPath('/a//b/./c/..', 'd/'), '/a/b/d');
    assert.equal(joinPath('', 'token'), 'token');
    assert.equal(joinPath('/', '..', 'x'), '/x');
  });

  test('Windows token path', () => {
    assert.equal(
      tokenFilePath('/var/run/secrets/eks.amazonaws.com/serviceaccount', 'token', true),
      'C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount\\token',
    );
    assert.equal(tokenFilePath('/m', 'token', false), '/m/token');
    assert.equal(
      isWindowsPod({ nodeSelector: { 'kubernetes.io/os': 'Windows' } }),
      false,
      'case-sensitive like upstream',
    );
    assert.equal(isWindowsPod({}), false);
  });

  test('token volume: no defaultMode, empty audience omitted', () => {
    assert.deepEqual(tokenVolume('v', 'aud', 600, 'token'), {
      name: 'v',
      projected: { sources: [{ serviceAccountToken: { audience: 'aud', expirationSeconds: 600, path: 'token' } }] },
    });
    assert.deepEqual(tokenVolume('v', '', 600, 'token').projected.sources[0].serviceAccountToken, {
      expirationSeconds: 600,
      path: 'token',
    });
  });
});
