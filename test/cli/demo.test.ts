import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { runCli, tempDir } from '../support/cli.js';

test('irsa demo runs the whole story and cleans up', async (t) => {
  const tmp = tempDir(t);
  // A user's own AWS settings must not take part: a profile that does not exist and bogus static keys would break
  // the SDK chain if they leaked into the "pod".
  const r = await runCli(['demo', '--output', 'json'], {
    env: {
      TMPDIR: tmp,
      AWS_PROFILE: 'no-such-profile',
      AWS_ACCESS_KEY_ID: 'AKIAUSERSREALKEY0000',
      AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.ok, true);
  const { steps, identity } = out.data;
  assert.equal(steps.length, 9);
  for (const [i, s] of steps.entries()) {
    assert.equal(s.n, i + 1);
    assert.equal(s.ok, true, `${s.title}: ${s.detail}`);
  }
  assert.equal(identity.Account, '111111111111');
  assert.match(identity.Arn, /^arn:aws:sts::111111111111:assumed-role\/test-pod-sa@default\/aws-sdk-js-session-\d+$/);
  assert.match(steps[7].detail, /AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity$/);
  assert.match(steps[8].detail, /InvalidIdentityToken: Incorrect token audience$/);
  assert.deepEqual(readdirSync(tmp), [], 'temporary directory removed');
  assert.doesNotMatch(r.stdout + r.stderr, /eyJ[\w-]+\.eyJ/, 'no token printed');
});

test('irsa demo text mode and --keep', async (t) => {
  const tmp = tempDir(t);
  const r = await runCli(['demo', '--keep'], { env: { TMPDIR: tmp } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ 1\. ✔ Cluster signing key {2}\[seed 1\]$/m);
  assert.match(r.stdout, /^ 9\. ✔ Refusal: token with the wrong audience/m);
  assert.match(r.stdout, /^Arn: +arn:aws:sts::111111111111:assumed-role\/test-pod-sa@default\//m);
  assert.match(r.stdout, /All 9 steps behaved as expected/);
  assert.equal(r.stderr, '', 'no warnings (the SDK Node-version notice is off)');
  const kept = readdirSync(tmp);
  assert.equal(kept.length, 1);
  assert.deepEqual(readdirSync(`${tmp}/${kept[0]}`).sort(), ['cluster', 'pod', 'sandbox']);
});
