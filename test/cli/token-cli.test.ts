// `irsa token mint` and `irsa token inspect`, run as a user runs them. Minted tokens are verified with jose against
// the JWKS that `irsa issuer jwks` produces from the matching public key.
import assert from 'node:assert/strict';
import { linkSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { runCli, tempDir } from '../support/cli.js';
import { EC_KID, EC_PRIVATE, EC_PUBLIC, RSA_KID, RSA_PRIVATE, RSA_PUBLIC } from '../support/key-fixtures.js';

const ISSUER = 'https://oidc.example.com/cluster1';
const base = (key: string) => [
  'token',
  'mint',
  '--signing-key',
  key,
  '--issuer',
  ISSUER,
  '--namespace',
  'default',
  '--service-account',
  'app',
];
const decodePart = (token: string, i: number) => JSON.parse(Buffer.from(token.split('.')[i], 'base64url').toString());

async function mint(key: string, extra: string[] = []): Promise<string> {
  const r = await runCli([...base(key), ...extra]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  return r.stdout.trim();
}

async function jwksFor(pub: string) {
  const r = await runCli(['issuer', 'jwks', '--key', pub]);
  assert.equal(r.code, 0, r.stderr);
  return createLocalJWKSet(JSON.parse(r.stdout));
}

test('token mint with the Kubernetes vector keys verifies against `issuer jwks`; kid is the vector kid', async () => {
  for (const [priv, pub, kid, alg] of [
    [RSA_PRIVATE, RSA_PUBLIC, RSA_KID, 'RS256'],
    [EC_PRIVATE, EC_PUBLIC, EC_KID, 'ES256'],
  ]) {
    const token = await mint(priv, ['--pod-name', 'app-0', '--pod-uid', 'pod-uid', '--sa-uid', 'sa-uid']);
    assert.equal(Buffer.from(token.split('.')[0], 'base64url').toString(), `{"alg":"${alg}","kid":"${kid}"}`);
    const { payload } = await jwtVerify(token, await jwksFor(pub), {
      issuer: ISSUER,
      audience: 'sts.amazonaws.com',
      subject: 'system:serviceaccount:default:app',
    });
    assert.deepEqual(Object.keys(payload), ['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
    assert.deepEqual(payload['kubernetes.io'], {
      namespace: 'default',
      pod: { name: 'app-0', uid: 'pod-uid' },
      serviceaccount: { name: 'app', uid: 'sa-uid' },
    });
    assert.match(String(payload.jti), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The wrong key set does not verify it.
    await assert.rejects(jwtVerify(token, await jwksFor(priv === RSA_PRIVATE ? EC_PUBLIC : RSA_PUBLIC)));
  }
});

test('token mint with generated P-384 and P-521 keys verifies against `issuer jwks` of the .pub', async (t) => {
  const dir = tempDir(t);
  for (const [curve, alg] of [
    ['P-384', 'ES384'],
    ['P-521', 'ES512'],
  ]) {
    const g = await runCli(['keys', 'generate', '--type', 'ec', '--curve', curve, '--out-dir', dir, '--name', curve]);
    assert.equal(g.code, 0, g.stderr);
    const token = await mint(join(dir, `${curve}.key`));
    const { protectedHeader } = await jwtVerify(token, await jwksFor(join(dir, `${curve}.pub`)), {
      audience: 'sts.amazonaws.com',
    });
    assert.equal(protectedHeader.alg, alg);
  }
});

test('token mint: --now fixes the times; defaults; repeated --audience; --expiration', async () => {
  const token = await mint(EC_PRIVATE, ['--now', '1700000000']);
  const p = decodePart(token, 1);
  assert.deepEqual(p.aud, ['sts.amazonaws.com']);
  assert.equal(p.iat, 1700000000);
  assert.equal(p.nbf, 1700000000);
  assert.equal(p.exp, 1700000000 + 86400);
  const t2 = decodePart(
    await mint(EC_PRIVATE, [
      '--now',
      '1700000000',
      '--audience',
      'sts.amazonaws.com',
      '--audience',
      'vault',
      '--expiration',
      '3600',
    ]),
    1,
  );
  assert.deepEqual(t2.aud, ['sts.amazonaws.com', 'vault']);
  assert.equal(t2.exp, 1700000000 + 3600);
  // The one duration syntax: the same lifetime written as a Go duration.
  for (const d of ['1h', '60m', '3600s']) {
    assert.equal(decodePart(await mint(EC_PRIVATE, ['--now', '1700000000', '--expiration', d]), 1).exp, 1700003600, d);
  }
  const json = await runCli([...base(EC_PRIVATE), '--now', '1700000000', '--output', 'json']);
  const report = JSON.parse(json.stdout);
  assert.equal(report.data.kid, EC_KID);
  assert.equal(report.data.claims.exp, 1700086400);
  assert.equal(decodePart(report.data.token, 1).jti, report.data.claims.jti);
});

test('token mint refuses bad requests with one line and exit 1', async () => {
  const cases: [string[], RegExp][] = [
    [['--expiration', '599'], /may not specify a duration less than 10 minutes/],
    [['--expiration', String(2 ** 32 + 1)], /may not specify a duration larger than 2\^32 seconds/],
    [['--expiration', 'soon'], /^irsa token mint: --expiration must be a duration such as 24h, 90m/],
    [['--expiration', '9m'], /may not specify a duration less than 10 minutes/],
    [['--pod-name', 'app-0'], /--pod-name and --pod-uid go together/],
    [['--pod-uid', 'u'], /--pod-name and --pod-uid go together/],
  ];
  for (const [extra, msg] of cases) {
    const r = await runCli([...base(RSA_PRIVATE), ...extra]);
    assert.equal(r.code, 1, extra.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, msg, extra.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const ns = await runCli([
    'token',
    'mint',
    '--signing-key',
    RSA_PRIVATE,
    '--issuer',
    ISSUER,
    '--namespace',
    'Bad_NS',
    '--service-account',
    'app',
  ]);
  assert.equal(ns.code, 1);
  assert.match(ns.stderr, /namespace "Bad_NS" is not a valid DNS label/);
  const pub = await runCli(base(RSA_PUBLIC));
  assert.equal(pub.code, 1);
  assert.match(pub.stderr, /rsa-public\.pem: no private key to sign with/);
  assert.equal(pub.stderr.trim().split('\n').length <= 2, true, pub.stderr);
  const missing = await runCli(['token', 'mint', '--signing-key', RSA_PRIVATE, '--issuer', ISSUER]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--namespace/);
});

test('token mint --out writes the token with mode 0600 and never prints it', async (t) => {
  const dir = tempDir(t);
  for (const output of ['text', 'json']) {
    const out = join(dir, `token-${output}`);
    const r = await runCli([...base(RSA_PRIVATE), '--out', out, '--output', output]);
    assert.equal(r.code, 0, r.stderr);
    const token = readFileSync(out, 'utf8');
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'no trailing newline in the file');
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.ok(!r.stdout.includes(token.split('.')[2]) && !r.stderr.includes(token.split('.')[2]));
    assert.ok(!r.stdout.includes(token));
  }
  const r = await runCli([...base(RSA_PRIVATE), '--out', join(dir, 'token')]);
  assert.match(r.stdout, /^wrote token to .*token \(kid JHJe/);
});

test('token mint --out never clobbers: an existing file needs --force; the signing key never (issue 9.1)', async (t) => {
  const dir = tempDir(t);
  const key = join(dir, 'sa.key');
  const keyBytes = readFileSync(RSA_PRIVATE);
  writeFileSync(key, keyBytes, { mode: 0o600 });
  // The reproduction: --out names the signing key. Refused, with --force too, and the key is untouched.
  for (const force of [[], ['--force']]) {
    for (const output of ['text', 'json']) {
      const r = await runCli([...base(key), '--out', key, ...force, '--output', output]);
      assert.equal(r.code, 1, `${force} ${output}`);
      assert.deepEqual(readFileSync(key), keyBytes);
      if (output === 'json') assert.equal(JSON.parse(r.stdout).error.code, 'ERR_FILE_IS_INPUT');
      else
        assert.match(
          r.stderr,
          /^irsa token mint: .*sa\.key is a file this command reads: .*--force does not change that/,
        );
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  }
  // The same file by another name: a symbolic link, a hard link, a path with ./ in it.
  symlinkSync(key, join(dir, 'link'));
  linkSync(key, join(dir, 'hard'));
  for (const out of [join(dir, 'link'), join(dir, 'hard'), `${dir}/./sa.key`]) {
    const r = await runCli([...base(key), '--out', out, '--force', '-o', 'json']);
    assert.equal(r.code, 1, out);
    assert.equal(JSON.parse(r.stdout).error.code, 'ERR_FILE_IS_INPUT', out);
    assert.deepEqual(readFileSync(key), keyBytes);
  }
  // Any other existing file: refused without --force, replaced with it.
  const token = join(dir, 'token');
  writeFileSync(token, 'keep me');
  const kept = await runCli([...base(key), '--out', token, '-o', 'json']);
  assert.equal(kept.code, 1);
  assert.equal(JSON.parse(kept.stdout).error.code, 'ERR_FILE_EXISTS');
  assert.equal(readFileSync(token, 'utf8'), 'keep me');
  const forced = await runCli([...base(key), '--out', token, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(readFileSync(token, 'utf8'), /^[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.deepEqual(readdirSync(dir).sort(), ['hard', 'link', 'sa.key', 'token'], 'no temporary file left behind');
});

test('token mint with an http issuer still signs, with a warning that STS will reject it', async () => {
  const r = await runCli([
    'token',
    'mint',
    '--signing-key',
    EC_PRIVATE,
    '--issuer',
    'http://x.example',
    '--namespace',
    'ns',
    '--service-account',
    'sa',
  ]);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /^warning: issuer URL must use https scheme.*AWS STS will reject this token/);
});

// ------------------------------------------------------------------------------------------------ inspect

test('token inspect: a fresh token explains itself, exit 0, and never shows the token or signature', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'token');
  const m = await runCli([...base(RSA_PRIVATE), '--pod-name', 'app-0', '--pod-uid', 'pod-uid', '--out', file]);
  assert.equal(m.code, 0, m.stderr);
  const token = readFileSync(file, 'utf8');
  const r = await runCli(['token', 'inspect', file]);
  assert.equal(r.code, 0, r.stderr);
  for (const expected of [
    /issuer\s+https:\/\/oidc\.example\.com\/cluster1/,
    /namespace\s+default/,
    /service account\s+app \(uid /,
    /pod\s+app-0 \(uid pod-uid\)/,
    /audiences\s+sts\.amazonaws\.com/,
    /expires at\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(expires in (1d|23h59m)\)/,
    new RegExp(`kid\\s+${RSA_KID}`),
    /signature of 256 bytes/,
    /no problems found/,
  ]) {
    assert.match(r.stdout, expected);
  }
  for (const part of token.split('.')) {
    assert.ok(!r.stdout.includes(part) && !r.stderr.includes(part), 'no part of the raw token is printed');
  }

  const j = await runCli(['token', 'inspect', file, '--output', 'json']);
  assert.equal(j.code, 0);
  const report = JSON.parse(j.stdout);
  assert.equal(report.command, 'token inspect');
  assert.equal(report.ok, true);
  assert.deepEqual(report.data.header, { alg: 'RS256', kid: RSA_KID });
  assert.equal(report.data.claims.serviceAccount, 'app');
  assert.equal(report.data.claims.lifetimeSeconds, 86400);
  assert.deepEqual(report.data.findings, []);
  assert.ok(!j.stdout.includes(token.split('.')[2]));

  // stdin: the pipe's newline is not held against the token.
  const s = await runCli(['token', 'inspect', '-'], { input: `${token}\n` });
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, /no problems found/);
});

test('token inspect: an expired token exits 1 with the finding; warnings alone exit 0', async (t) => {
  const dir = tempDir(t);
  const old = join(dir, 'old');
  assert.equal((await runCli([...base(EC_PRIVATE), '--now', '1700000000', '--out', old])).code, 0);
  const r = await runCli(['token', 'inspect', old]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /expires at\s+2023-11-15T22:13:20Z \(expired \d+d\d+h ago\)/);
  assert.match(r.stdout, /error\s+expired\s+expired /);
  const j = await runCli(['token', 'inspect', old, '-o', 'json']);
  assert.equal(j.code, 1);
  const report = JSON.parse(j.stdout);
  assert.equal(report.ok, false);
  assert.equal(report.data.findings[0].id, 'expired');
  assert.equal(report.data.findings[0].severity, 'error');

  // A token file ending with a newline (as `kubectl create token > file` writes it): warning, exit 0.
  const nl = join(dir, 'nl');
  const fresh = (await runCli([...base(EC_PRIVATE), '--audience', 'vault'])).stdout;
  writeFileSync(nl, fresh);
  const w = await runCli(['token', 'inspect', nl]);
  assert.equal(w.code, 0, w.stdout);
  assert.match(w.stdout, /warning\s+trailing-whitespace\s+the file has a trailing newline/);
  assert.match(w.stdout, /warning\s+aud-not-sts\s+aud "vault"/);
});

test('token inspect: a legacy token exits 1; escape sequences in claims are neutralised', async (t) => {
  const dir = tempDir(t);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const legacy = join(dir, 'legacy');
  writeFileSync(
    legacy,
    `${b64({ alg: 'RS256', kid: 'k' })}.${b64({ iss: 'kubernetes/serviceaccount', sub: 'system:serviceaccount:default:app\u001b[31m' })}.c2ln`,
  );
  const r = await runCli(['token', 'inspect', legacy]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /legacy Secret-based token/);
  assert.match(r.stdout, /error\s+legacy-token/);
  assert.ok(!r.stdout.includes('\u001b'), 'no raw escape character reaches the terminal');
  assert.match(r.stdout, /\\u001b\[31m/);
});

test('token inspect: unreadable or malformed input is one line naming the file, exit 1', async (t) => {
  const dir = tempDir(t);
  const garbage = join(dir, 'garbage');
  writeFileSync(garbage, 'this is not a token');
  const empty = join(dir, 'empty');
  writeFileSync(empty, '\n');
  for (const [file, msg] of [
    [join(dir, 'missing'), /missing: cannot read token file \(no such file\)/],
    [garbage, /garbage: token has 1 dot-separated parts/],
    [empty, /empty: token is empty/],
  ] as const) {
    const r = await runCli(['token', 'inspect', file]);
    assert.equal(r.code, 1, file);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, msg);
  }
  const stdin = await runCli(['token', 'inspect'], { input: 'a.b' });
  assert.equal(stdin.code, 1);
  assert.match(stdin.stderr, /stdin: token has 2 dot-separated parts/);
});
