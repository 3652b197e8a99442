import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { startChain } from '../support/sandbox-chain.js';

test('irsa whoami through the SDK default chain against the sandbox', async (t) => {
  const chain = await startChain(t);

  await t.test('web identity: assumed-role ARN, UserId, expiry with countdown', async () => {
    const file = chain.writeToken(await chain.mint());
    const json = await runCli(['whoami', '--output', 'json'], { env: chain.podEnv(file) });
    assert.equal(json.code, 0, json.stderr);
    const { data } = JSON.parse(json.stdout);
    assert.equal(data.Account, '111122223333');
    assert.match(data.Arn, /^arn:aws:sts::111122223333:assumed-role\/app@default\/aws-sdk-js-session-\d+$/);
    assert.match(data.UserId, /^AROA[A-Z0-9]+:aws-sdk-js-session-\d+$/);
    assert.ok(data.expiresInSeconds > 3000 && data.expiresInSeconds <= 3600, String(data.expiresInSeconds));
    assert.match(data.source, /web identity token/);
    const text = await runCli(['whoami'], { env: chain.podEnv(file, { AWS_ROLE_SESSION_NAME: 'probe' }) });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Arn: +arn:aws:sts::111122223333:assumed-role\/app@default\/probe\n/);
    assert.match(text.stdout, /Expires: +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in (59m\d*s?|1h)\)/);
  });

  await t.test('AWS_DEFAULT_REGION alone is enough (the seed ConfigMap sets only that)', async () => {
    const file = chain.writeToken(await chain.mint());
    const env = chain.podEnv(file);
    delete env.AWS_REGION;
    env.AWS_DEFAULT_REGION = 'eu-west-1';
    const r = await runCli(['whoami', '--output', 'json'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).data.region, 'eu-west-1');
  });

  await t.test("a refused token fails with AWS's code and text", async () => {
    const file = chain.writeToken(await chain.mint({ audiences: ['kubernetes.default.svc'] }));
    const r = await runCli(['whoami'], { env: chain.podEnv(file) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^irsa whoami: InvalidIdentityToken: Incorrect token audience$/m);
    assert.match(r.stderr, /hint: run irsa doctor/);
  });

  await t.test('static keys: never expires', async () => {
    const r = await runCli(['whoami', '--output', 'json'], { env: chain.adminEnv() });
    assert.equal(r.code, 0, r.stderr);
    const { data } = JSON.parse(r.stdout);
    assert.equal(data.Account, '111122223333');
    assert.equal(data.expiration, undefined);
  });

  await t.test('a web identity token file that does not exist: one line naming it, in words', async () => {
    const r = await runCli(['whoami'], { env: chain.podEnv('/nonexistent') });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.split('\n')[0],
      'irsa whoami: /nonexistent: cannot read the web identity token file (AWS_WEB_IDENTITY_TOKEN_FILE): no such file',
    );
    assert.doesNotMatch(r.stderr, /ENOENT/);
    const json = await runCli(['whoami', '--output', 'json'], { env: chain.podEnv('/nonexistent') });
    assert.equal(JSON.parse(json.stdout).error.code, 'ERR_FILE_READ');
  });

  await t.test('an STS endpoint that refuses the connection: in words, naming the address', async () => {
    const port = 1; // nothing listens on port 1 (as issuer-fetch's unreachable test)
    const r = await runCli(['whoami'], { env: chain.adminEnv({ AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}` }) });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n')[0], `irsa whoami: connection refused (127.0.0.1:${port})`);
  });

  await t.test('no credentials at all: one line, in words', async () => {
    const env = chain.podEnv('/nonexistent');
    delete env.AWS_ROLE_ARN;
    delete env.AWS_WEB_IDENTITY_TOKEN_FILE;
    const r = await runCli(['whoami'], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^irsa whoami: no AWS credentials found \(/m);
  });
});
