// The rotation state machine (src/core/rotation) on its own: state + inputs + explicit times in, documents and the
// next state or a typed refusal out. The decisive arithmetic is checked over generated times as well: switched is
// never accepted before the JWKS with both keys has been visible for its max-age, finish never before the switch
// plus the tokens' lifetime plus the margin.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkConfig, loadConfig } from '../../src/core/config/load.js';
import type { ClusterConfig } from '../../src/core/config/types.js';
import { serializeJwks } from '../../src/core/issuer/jwks.js';
import { buildJwks } from '../../src/core/issuer/jwks.js';
import { generateSigningKey } from '../../src/core/keys/generate.js';
import { apiserverInputs, apiserverStep } from '../../src/core/rotation/apiserver-steps.js';
import { decideBegin, recordBegun } from '../../src/core/rotation/begin.js';
import { decideFinish } from '../../src/core/rotation/finish.js';
import { refusalError } from '../../src/core/rotation/refusal.js';
import { parseRotationState, type RotationState, serializeRotationState } from '../../src/core/rotation/state.js';
import { rotationStatus } from '../../src/core/rotation/status.js';
import { decideSwitched } from '../../src/core/rotation/switched.js';
import { type Instant, parseInstant } from '../../src/core/rotation/times.js';

const CONFIG = `apiVersion: irsa-anywhere/v1
kind: Config
region: eu-west-1
clusters:
  - name: prod
    issuer: https://oidc.example.com/prod
    keys: [keys/sa.pub]
    maxTokenExpiration: 24h
    publish: {directory: public}
`;
const SOURCE = { file: 'irsa.yaml', dir: '/srv' };
const cluster: ClusterConfig = loadConfig(CONFIG, SOURCE).config.clusters[0];
const oldKey = generateSigningKey({ type: 'rsa' }).key;
const newKey = generateSigningKey({ type: 'ec' }).key;
const T0 = Date.parse('2026-12-06T05:00:00Z');
const at = (ms: number, source = '--now'): Instant => ({ ms, source });
const published = (keys = [oldKey]) => ({ jwks: serializeJwks(buildJwks(keys)), where: 'public/openid/v1/jwks' });
const apiserver = apiserverInputs({ distro: 'kubeadm', newKeyFile: 'keys/sa-2027.pub' });

function begun(maxAgeSeconds = 600): RotationState {
  const d = decideBegin({ cluster, published: published(), newKey, now: at(T0), marginSeconds: 3600, apiserver });
  assert.ok(d.ok);
  return recordBegun(d.draft, {
    publishedAt: at(T0 + 1500, 'S3 Last-Modified'),
    maxAgeSeconds,
    maxAgeSource: 'Cache-Control',
  });
}

test('begin publishes old and new keys (discovery lists both algorithms); run again it resumes; another key is refused', () => {
  const d = decideBegin({ cluster, published: published(), newKey, now: at(T0), marginSeconds: 3600, apiserver });
  assert.ok(d.ok);
  assert.equal(d.documents.jwks, serializeJwks(buildJwks([oldKey, newKey])));
  assert.deepEqual(JSON.parse(d.documents.discovery).id_token_signing_alg_values_supported, ['ES256', 'RS256']);
  const state = begun();
  assert.equal(state.bothKeysPublished.at, '2026-12-06T05:00:02Z', 'rounded up to the second');
  const again = decideBegin({
    cluster,
    state,
    published: published([oldKey, newKey]),
    newKey,
    now: at(T0 + 60_000),
    marginSeconds: 60,
    apiserver,
  });
  assert.ok(again.ok && again.resumed);
  assert.deepEqual(again.draft.oldKeys, state.oldKeys, 'the old keys are the rotation’s, not the JWKS now published');
  assert.equal(again.draft.marginSeconds, 3600, 'the margin recorded at begin');
  const other = generateSigningKey({ type: 'ec' }).key;
  const refused = decideBegin({
    cluster,
    state,
    published: published([oldKey, newKey]),
    newKey: other,
    now: at(T0),
    marginSeconds: 3600,
    apiserver,
  });
  assert.ok(!refused.ok);
  assert.equal(refused.code, 'ERR_ROTATION_STATE');
  const nothing = decideBegin({ cluster, newKey, now: at(T0), marginSeconds: 3600, apiserver });
  assert.ok(!nothing.ok && nothing.code === 'ERR_ROTATION_STATE');
  const same = decideBegin({
    cluster,
    published: published([newKey]),
    newKey,
    now: at(T0),
    marginSeconds: 3600,
    apiserver,
  });
  assert.ok(!same.ok && /already the only published key/.test(same.message));
});

test('switched: refused before P + max-age with the earliest safe time and the times reasoned from; recorded at it', () => {
  const state = begun(600);
  const P = Date.parse(state.bothKeysPublished.at);
  const both = published([oldKey, newKey]);
  const early = decideSwitched({ cluster, state, published: both, at: at(P + 599_000, '--at'), now: at(P + 700_000) });
  assert.ok(!early.ok);
  assert.equal(early.code, 'ERR_ROTATION_NOT_YET');
  assert.equal(early.earliestSafe, '2026-12-06T05:10:02Z');
  assert.deepEqual(early.reasonedFrom, [
    'JWKS with both keys published 2026-12-06T05:00:02Z (S3 Last-Modified)',
    'switch 2026-12-06T05:10:01Z (--at)',
    'now 2026-12-06T05:11:42Z (--now)',
  ]);
  assert.match(
    refusalError(early).message,
    /; earliest safe: 2026-12-06T05:10:02Z; reasoned from: JWKS with both keys published/,
  );
  const future = decideSwitched({ cluster, state, published: both, at: at(P + 800_000, '--at'), now: at(P + 700_000) });
  assert.ok(!future.ok && /after now/.test(future.message));
  const changed = decideSwitched({ cluster, state, published: published(), at: at(P + 600_000), now: at(P + 600_000) });
  assert.ok(!changed.ok && changed.code === 'ERR_ROTATION_STATE', 'a JWKS changed behind the rotation voids its times');
  const ok = decideSwitched({ cluster, state, published: both, at: at(P + 600_000, '--at'), now: at(P + 600_000) });
  assert.ok(ok.ok && !ok.unchanged);
  assert.equal(ok.state.phase, 'switched');
  assert.equal(ok.state.switched?.at, '2026-12-06T05:10:02Z');
  const twice = decideSwitched({
    cluster,
    state: ok.state,
    published: both,
    at: at(P + 600_000, '--at'),
    now: at(P + 900_000),
  });
  assert.ok(twice.ok && twice.unchanged);
});

test('finish: refused without maxTokenExpiration and before S + M + G; then the new key alone; finished again is the same', () => {
  const state = begun(600);
  const both = published([oldKey, newKey]);
  const S = Date.parse(state.bothKeysPublished.at) + 600_000;
  const sw = decideSwitched({ cluster, state, published: both, at: at(S, '--at'), now: at(S) });
  assert.ok(sw.ok);
  const notSwitched = decideFinish({ cluster, state, published: both, now: at(S + 1e9) });
  assert.ok(!notSwitched.ok && notSwitched.code === 'ERR_ROTATION_STATE');
  const { maxTokenExpirationSeconds: _, ...unknownLifetime } = cluster;
  const unknown = decideFinish({ cluster: unknownLifetime, state: sw.state, published: both, now: at(S + 1e9) });
  assert.ok(!unknown.ok && unknown.code === 'ERR_ROTATION_LIFETIME_UNKNOWN');
  const safe = S + (24 + 1) * 3600_000;
  const early = decideFinish({ cluster, state: sw.state, published: both, now: at(safe - 1000) });
  assert.ok(!early.ok);
  assert.equal(early.code, 'ERR_ROTATION_NOT_YET');
  assert.equal(Date.parse(early.earliestSafe ?? ''), safe);
  const done = decideFinish({ cluster, state: sw.state, published: both, now: at(safe) });
  assert.ok(done.ok);
  assert.equal(done.documents.jwks, serializeJwks(buildJwks([newKey])));
  assert.deepEqual(JSON.parse(done.documents.discovery).id_token_signing_alg_values_supported, ['ES256']);
  assert.equal(done.state.finished?.maxTokenExpirationSeconds, 86400);
  const again = decideFinish({ cluster, state: done.state, published: published([newKey]), now: at(safe + 5) });
  assert.ok(again.ok);
  assert.deepEqual(again.state, done.state);
});

test('property: switched and finish are never accepted before their safe times, always at or after them', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 3600 }),
      fc.integer({ min: -7200_000, max: 7200_000 }),
      fc.integer({ min: 3600, max: 7 * 86400 }),
      fc.integer({ min: 0, max: 86400 }),
      fc.integer({ min: -86400_000, max: 86400_000 }),
      (maxAge, switchOffset, m, margin, finishOffset) => {
        const state = { ...begun(maxAge), marginSeconds: margin };
        const P = Date.parse(state.bothKeysPublished.at);
        const S = P + maxAge * 1000 + switchOffset;
        const sw = decideSwitched({ cluster, state, published: published([oldKey, newKey]), at: at(S), now: at(S) });
        assert.equal(sw.ok, S >= P + maxAge * 1000);
        if (!sw.ok) return;
        const c = { ...cluster, maxTokenExpirationSeconds: m };
        const recordedS = Date.parse(sw.state.switched?.at ?? '');
        assert.ok(recordedS >= S, 'the switch is never recorded earlier than given');
        const now = recordedS + (m + margin) * 1000 + finishOffset;
        const fin = decideFinish({ cluster: c, state: sw.state, published: published([oldKey, newKey]), now: at(now) });
        assert.equal(fin.ok, now >= S + (m + margin) * 1000 && now >= recordedS + (m + margin) * 1000);
      },
    ),
    { numRuns: 200 },
  );
});

test('status says when each next step is safe, from the same arithmetic; the state document round-trips', () => {
  const state = begun(600);
  const s = rotationStatus(cluster, state, published([oldKey, newKey]), at(T0));
  assert.equal(s.phase, 'begun');
  assert.equal(s.publishedAsRecorded, true);
  assert.deepEqual(
    s.next.map((n) => [n.step, n.safeFrom, n.safeNow]),
    [
      ['switch-apiservers', '2026-12-06T05:10:02Z', false],
      ['switched', '2026-12-06T05:10:02Z', false],
    ],
  );
  const none = rotationStatus(cluster, undefined, published(), at(T0));
  assert.equal(none.phase, 'none');
  assert.deepEqual(parseRotationState(serializeRotationState(state), 'x', 'prod'), state);
  assert.throws(() => parseRotationState('{"kind":"KeyRotation"}', 's3://b/p/irsa-anywhere-rotation.json', 'prod'), {
    code: 'ERR_ROTATION_STATE',
  });
  assert.throws(
    () => parseRotationState(serializeRotationState(state), 'x', 'staging'),
    /cluster prod's, not staging's/,
  );
});

test('apiserver steps: the new public key added everywhere first, then the signing key switched, then the old key out', () => {
  const add = apiserverStep('add-new-public-key', cluster, apiserver);
  assert.deepEqual(add.summary, [
    '--service-account-key-file: /etc/kubernetes/pki/sa.pub, /etc/kubernetes/pki/sa-2027.pub',
    '--service-account-signing-key-file: /etc/kubernetes/pki/sa.key (unchanged)',
  ]);
  assert.match(add.text, /name: service-account-max-token-expiration\n\s+value: 24h/);
  const sw = apiserverStep('switch-signing-key', cluster, apiserver);
  assert.match(sw.summary[1], /sa-2027\.key$/);
  assert.match(sw.how, /ONE apiserver at a time/);
  const rm = apiserverStep('remove-old-public-key', cluster, apiserver);
  assert.equal(rm.summary[0], '--service-account-key-file: /etc/kubernetes/pki/sa-2027.pub');
});

test('times: ISO 8601 with a zone, or now (said so); anything else is a usage error naming the flag', () => {
  // Reproduction: `irsa rotate status --now 2026-02-30T00:00:00Z` decided at 2026-03-02 without a word.
  for (const impossible of [
    '2026-02-30T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-12-06T24:00:00Z',
    '2026-12-06T05:60Z',
  ]) {
    assert.throws(() => parseInstant(impossible, '--now', 0), { code: 'ERR_USAGE', message: /^--now must be a time/ });
  }
  assert.equal(parseInstant('2028-02-29T23:59:59Z', '--now', 0).ms, Date.parse('2028-02-29T23:59:59Z'));
  assert.equal(parseInstant('2026-12-06T05:00:00+01:00', '--at', 0).ms, Date.parse('2026-12-06T04:00:00Z'));
  assert.equal(parseInstant('now', '--now', 42).source, "this machine's clock");
  assert.throws(() => parseInstant('2026-12-06 05:00', '--at', 0), {
    code: 'ERR_USAGE',
    message: /^--at must be a time in ISO 8601/,
  });
});

test('irsa.yaml maxTokenExpiration: a duration within kube-apiserver’s bounds, errors at file:line:field', () => {
  assert.equal(cluster.maxTokenExpirationSeconds, 86400);
  const at8 = (v: string) =>
    checkConfig(CONFIG.replace('maxTokenExpiration: 24h', `maxTokenExpiration: ${v}`), SOURCE).problems;
  assert.deepEqual(at8('30m'), [
    'irsa.yaml:8: "clusters[0].maxTokenExpiration" is 30m; kube-apiserver takes 1h to 2^32 seconds',
  ]);
  assert.match(at8('soon')[0], /^irsa\.yaml:8: "clusters\[0\]\.maxTokenExpiration"/);
  assert.match(at8('true')[0], /^irsa\.yaml:8: "clusters\[0\]\.maxTokenExpiration": must be a duration/);
  const without = loadConfig(CONFIG.replace('    maxTokenExpiration: 24h\n', ''), SOURCE).config.clusters[0];
  assert.equal(without.maxTokenExpirationSeconds, undefined);
});

test('a JWKS changed behind the rotation: status says begin again; begin republishes both keys, even once switched', () => {
  const state = begun(600);
  const S = Date.parse(state.bothKeysPublished.at) + 600_000;
  const sw = decideSwitched({ cluster, state, published: published([oldKey, newKey]), at: at(S), now: at(S) });
  assert.ok(sw.ok);
  const reverted = published([oldKey]);
  const s = rotationStatus(cluster, sw.state, reverted, at(S));
  assert.equal(s.publishedAsRecorded, false);
  assert.deepEqual(
    s.next.map((n) => n.step),
    ['begin'],
  );
  const repair = decideBegin({
    cluster,
    state: sw.state,
    published: reverted,
    newKey,
    now: at(S),
    marginSeconds: 1,
    apiserver,
  });
  assert.ok(repair.ok);
  assert.equal(repair.documents.jwks, serializeJwks(buildJwks([oldKey, newKey])));
  assert.equal(repair.draft.phase, 'switched');
  const fine = decideBegin({
    cluster,
    state: sw.state,
    published: published([oldKey, newKey]),
    newKey,
    now: at(S),
    marginSeconds: 1,
    apiserver,
  });
  assert.ok(!fine.ok && /the next step is finish/.test(fine.message));
});

test('a state document holding control characters (kid, times’ sources) is refused, never printed', () => {
  const text = serializeRotationState(begun(600));
  const withKid = text.replace(/"kid": "[^"]+"/, '"kid": "\\u001b[31mred"');
  assert.throws(() => parseRotationState(withKid, 'state', 'prod'), { code: 'ERR_ROTATION_STATE', message: /kid/ });
  const withSource = text.replace('"source": "S3 Last-Modified"', '"source": "S3\\u202eevil"');
  assert.throws(() => parseRotationState(withSource, 'state', 'prod'), { code: 'ERR_ROTATION_STATE' });
  assert.ok(
    parseRotationState(text.replace('"source": "S3 Last-Modified"', '"source": "Dateiänderungszeit"'), 's', 'prod'),
  );
});

test('finish killed after its documents and before its state: run again, it records the state whatever the time', () => {
  const state = begun(600);
  const S = Date.parse(state.bothKeysPublished.at) + 600_000;
  const sw = decideSwitched({ cluster, state, published: published([oldKey, newKey]), at: at(S), now: at(S) });
  assert.ok(sw.ok);
  const told = rotationStatus(cluster, sw.state, published([newKey]), at(S + 1000));
  assert.deepEqual(
    told.next.map((n) => [n.step, n.safeNow]),
    [['finish', true]],
  );
  const resumed = decideFinish({ cluster, state: sw.state, published: published([newKey]), now: at(S + 1000) });
  assert.ok(resumed.ok);
  assert.equal(resumed.state.phase, 'finished');
  const other = decideFinish({ cluster, state: sw.state, published: published([oldKey]), now: at(S + 1e9) });
  assert.ok(!other.ok && other.code === 'ERR_ROTATION_STATE');
});
