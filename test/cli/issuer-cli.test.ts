// `irsa issuer jwks` and `irsa issuer discovery`, run as a user runs them: every accepted input, the warnings for
// inputs kube-apiserver itself would not read (stderr only; stdout stays pure JSON), and every refusal.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from '../support/cli.js';
import {
  acceptedFixtures,
  EC_KID,
  EC_PRIVATE,
  EC_PUBLIC,
  EXPECTED,
  OTHER_PUBLIC,
  RSA_KID,
  RSA_PRIVATE,
  RSA_PUBLIC,
  rejectedFixtures,
} from '../support/key-fixtures.js';

interface Jwk {
  use: string;
  kty: string;
  kid: string;
  alg: string;
  [k: string]: string;
}

async function jwks(...files: string[]) {
  const r = await runCli(['issuer', 'jwks', ...files.flatMap((f) => ['--key', f])]);
  return { ...r, keys: r.code === 0 ? (JSON.parse(r.stdout) as { keys: Jwk[] }).keys : [] };
}

test('issuer jwks accepts every kube-apiserver input silently, and the extra encodings with a warning', async (t) => {
  const f = acceptedFixtures(tempDir(t));
  const silent: [string, string][] = [
    [RSA_PUBLIC, RSA_KID],
    [RSA_PRIVATE, RSA_KID],
    [EC_PUBLIC, EC_KID],
    [EC_PRIVATE, EC_KID],
    [f['rsa-cert.pem'], RSA_KID],
    [f['rsa-pkcs8.pem'], RSA_KID], // kube's parseRSAPrivateKey falls back to PKCS#8
  ];
  await Promise.all(
    silent.map(async ([file, kid]) => {
      const r = await jwks(file);
      assert.equal(r.code, 0, `${file}: ${r.stderr}`);
      assert.equal(r.stderr, '', file);
      assert.deepEqual(
        r.keys.map((k) => k.kid),
        [kid],
        file,
      );
    }),
  );
  const warned: [string, string, RegExp][] = [
    [f['rsa-pkcs1-public.pem'], RSA_KID, /PKCS#1 RSA public key is not read by kube-apiserver/],
    [f['ec-pkcs8.pem'], EC_KID, /PKCS#8 private key is not read by kube-apiserver/],
    [f['rsa.jwk.json'], RSA_KID, /JWK is not read by kube-apiserver/],
    [f['ec-private.jwk.json'], EC_KID, /JWK is not read by kube-apiserver/],
  ];
  await Promise.all(
    warned.map(async ([file, kid, warning]) => {
      const r = await jwks(file);
      assert.equal(r.code, 0, `${file}: ${r.stderr}`);
      assert.match(r.stderr, warning, file);
      assert.match(r.stderr, new RegExp(`^warning: ${file.replace(/[.]/g, '\\.')}`), 'the warning names the file');
      assert.deepEqual(
        r.keys.map((k) => k.kid),
        [kid],
        file,
      );
      assert.ok(r.stdout.startsWith('{"keys":['), 'stdout is only the JSON document');
    }),
  );
  const set = await jwks(f['both.jwks.json']);
  assert.equal(set.code, 0);
  assert.deepEqual(
    set.keys.map((k) => k.kid),
    [RSA_KID, EC_KID],
  );
  assert.equal(set.stderr.trim().split('\n').length, 2, 'one warning per JWKS entry');
  const multi = await jwks(f['multi.pem']);
  assert.equal(multi.code, 0);
  assert.equal(multi.stderr, '');
  assert.deepEqual(
    multi.keys.map((k) => k.kid),
    [EC_KID, RSA_KID],
  );
});

test('issuer jwks: several files make one set; duplicates dropped at their later place; order stable', async (t) => {
  const f = acceptedFixtures(tempDir(t));
  const a = await jwks(RSA_PUBLIC, EC_PUBLIC, RSA_PRIVATE, f['rsa-cert.pem'], EC_PRIVATE, OTHER_PUBLIC);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.keys.length, 3);
  assert.deepEqual(
    a.keys.slice(0, 2).map((k) => k.kid),
    [RSA_KID, EC_KID],
  );
  assert.notEqual(a.keys[2].kid, RSA_KID);
  const b = await jwks(EC_PRIVATE, RSA_PRIVATE, EC_PUBLIC);
  assert.deepEqual(
    b.keys.map((k) => k.kid),
    [EC_KID, RSA_KID],
  );
  // Member order is kube-apiserver's (go-jose): use, kty, kid, alg, n, e / use, kty, kid, crv, alg, x, y.
  assert.deepEqual(Object.keys(b.keys[0]), ['use', 'kty', 'kid', 'crv', 'alg', 'x', 'y']);
  assert.deepEqual(Object.keys(b.keys[1]), ['use', 'kty', 'kid', 'alg', 'n', 'e']);
  // Private members never leave.
  assert.doesNotMatch(b.stdout, /"d"/);
});

test('issuer jwks --output json wraps the set; --out writes the exact bytes atomically', async (t) => {
  const dir = tempDir(t);
  const j = await runCli(['issuer', 'jwks', '--key', RSA_PUBLIC, '--output', 'json']);
  assert.equal(j.code, 0);
  const report = JSON.parse(j.stdout);
  assert.equal(report.command, 'issuer jwks');
  assert.equal(report.ok, true);
  assert.equal(report.data.keys[0].kid, RSA_KID);
  const out = join(dir, 'public', 'openid', 'v1', 'jwks');
  const w = await runCli(['issuer', 'jwks', '--key', RSA_PUBLIC, '--out', out]);
  assert.equal(w.code, 0, w.stderr);
  assert.match(w.stdout, new RegExp(`^wrote JWKS with 1 key\\(s\\) \\(kid ${RSA_KID}\\) to `));
  const piped = await runCli(['issuer', 'jwks', '--key', RSA_PUBLIC]);
  assert.equal(readFileSync(out, 'utf8'), piped.stdout.replace(/\n$/, ''), 'file = stdout without the newline');
  assert.equal(statSync(out).mode & 0o777, 0o644);
  assert.deepEqual(readdirSync(join(dir, 'public', 'openid', 'v1')), ['jwks'], 'no temporary file left');
});

test('issuer jwks refuses every bad input: one line naming the file, exit 1, no stack trace, nothing written', async (t) => {
  const dir = tempDir(t);
  const cases = rejectedFixtures(dir);
  const all = {
    ...cases,
    missing: { file: join(dir, 'no-such-file.pem'), code: 'ERR_FILE_READ', message: /no such file/ },
  };
  await Promise.all(
    Object.entries(all).map(async ([name, c]) => {
      const out = join(dir, `out-${name}.json`);
      // The bad file comes after a good one: the whole command fails, no partial set is written.
      const r = await runCli(['issuer', 'jwks', '--key', RSA_PUBLIC, '--key', c.file, '--out', out]);
      assert.equal(r.code, 1, name);
      assert.equal(r.stdout, '', name);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${name}: ${r.stderr}`);
      assert.match(lines[0], /^irsa issuer jwks: /, name);
      assert.ok(lines[0].includes(c.file), `${name}: names the file: ${lines[0]}`);
      assert.match(lines[0], c.message, name);
      assert.equal(existsSync(out), false, name);
    }),
  );
  // JSON mode reports the stable code.
  const j = await runCli(['issuer', 'jwks', '--key', cases['oct.jwk.json'].file, '--output', 'json']);
  assert.equal(j.code, 1);
  assert.equal(JSON.parse(j.stdout).error.code, 'ERR_KEY_SYMMETRIC');
});

test('issuer discovery: default jwks_uri, --jwks-uri override (the seed keys.json), sorted algorithms', async () => {
  const d = await runCli(['issuer', 'discovery', '--issuer', 'https://oidc.example.com/c1', '--key', EC_PUBLIC]);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(
    d.stdout,
    '{"issuer":"https://oidc.example.com/c1","jwks_uri":"https://oidc.example.com/c1/openid/v1/jwks",' +
      '"response_types_supported":["id_token"],"subject_types_supported":["public"],' +
      '"id_token_signing_alg_values_supported":["ES256"]}\n',
  );
  const s = await runCli([
    'issuer',
    'discovery',
    '--issuer',
    'https://my-bucket.s3.eu-west-1.amazonaws.com',
    '--jwks-uri',
    'https://my-bucket.s3.eu-west-1.amazonaws.com/keys.json',
    '--key',
    RSA_PUBLIC,
    '--key',
    EC_PRIVATE,
  ]);
  assert.equal(s.code, 0, s.stderr);
  const doc = JSON.parse(s.stdout);
  assert.equal(doc.jwks_uri, 'https://my-bucket.s3.eu-west-1.amazonaws.com/keys.json');
  assert.deepEqual(doc.id_token_signing_alg_values_supported, ['ES256', 'RS256']);
  assert.deepEqual(Object.keys(doc), [
    'issuer',
    'jwks_uri',
    'response_types_supported',
    'subject_types_supported',
    'id_token_signing_alg_values_supported',
  ]);
});

test("issuer discovery rejects kube-apiserver's rejected issuers and jwks_uris with one line, exit 1", async () => {
  await Promise.all(
    EXPECTED.rejectedIssuers.map(async (issuer) => {
      const r = await runCli(['issuer', 'discovery', '--issuer', issuer, '--key', RSA_PUBLIC]);
      assert.equal(r.code, 1, issuer);
      assert.equal(r.stdout, '', issuer);
      assert.match(
        r.stderr,
        /^irsa issuer discovery: issuer URL (must use https scheme|may not include a (query|fragment)), got: /,
      );
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }),
  );
  await Promise.all(
    EXPECTED.rejectedJwksUris.map(async (uri) => {
      const r = await runCli([
        'issuer',
        'discovery',
        '--issuer',
        'https://issuer.example.com',
        '--jwks-uri',
        uri,
        '--key',
        RSA_PUBLIC,
      ]);
      assert.equal(r.code, 1, uri);
      assert.match(r.stderr, /jwks_uri URL must use https scheme/);
    }),
  );
});

test('issuer discovery keeps a trailing slash verbatim and warns about it on stderr', async () => {
  const r = await runCli(['issuer', 'discovery', '--issuer', 'https://issuer.example.com/', '--key', RSA_PUBLIC]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.issuer, 'https://issuer.example.com/');
  assert.equal(doc.jwks_uri, 'https://issuer.example.com/openid/v1/jwks');
  assert.match(r.stderr, /^warning: issuer https:\/\/issuer\.example\.com\/ ends with "\/"/);
  assert.match(r.stderr, /IAM OIDC provider URL/);
  const j = await runCli([
    'issuer',
    'discovery',
    '--issuer',
    'https://issuer.example.com/',
    '--key',
    RSA_PUBLIC,
    '-o',
    'json',
  ]);
  const report = JSON.parse(j.stdout);
  assert.equal(report.warnings.length, 1);
  assert.equal(j.stderr, '', 'in JSON mode warnings go into the report only');
});

test('issuer jwks/discovery --out never clobbers: existing files need --force, a --key file never (issue 9.1)', async (t) => {
  const dir = tempDir(t);
  const pub = join(dir, 'sa.pub');
  const pubBytes = readFileSync(RSA_PUBLIC);
  writeFileSync(pub, pubBytes);
  symlinkSync(pub, join(dir, 'pub-link'));
  const commands = [
    ['issuer', 'jwks', '--key', pub],
    ['issuer', 'discovery', '--issuer', 'https://oidc.example.com', '--key', pub],
  ];
  for (const command of commands) {
    for (const out of [pub, join(dir, 'pub-link')]) {
      for (const force of [[], ['--force']]) {
        const r = await runCli([...command, '--out', out, ...force, '-o', 'json']);
        assert.equal(r.code, 1, `${command[1]} ${out} ${force}`);
        assert.equal(JSON.parse(r.stdout).error.code, 'ERR_FILE_IS_INPUT');
        assert.deepEqual(readFileSync(pub), pubBytes);
      }
    }
    const other = join(dir, `${command[1]}.json`);
    writeFileSync(other, 'keep me');
    const kept = await runCli([...command, '--out', other]);
    assert.equal(kept.code, 1);
    assert.match(kept.stderr, /already exists \(use --force to overwrite\)/);
    assert.equal(readFileSync(other, 'utf8'), 'keep me');
    const forced = await runCli([...command, '--out', other, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.notEqual(readFileSync(other, 'utf8'), 'keep me');
  }
});

test('issuer discovery given fewer keys than the JWKS published beside it warns; the JWKS itself as --key matches (issue 9.3)', async (t) => {
  const dir = tempDir(t);
  const jwksPath = join(dir, 'public', 'openid', 'v1', 'jwks');
  const discoveryPath = join(dir, 'public', '.well-known', 'openid-configuration');
  const issuer = ['--issuer', 'https://oidc.example.com/c1'];
  const j = await runCli(['issuer', 'jwks', '--key', RSA_PUBLIC, '--key', EC_PUBLIC, '--out', jwksPath]);
  assert.equal(j.code, 0, j.stderr);
  // The mistake the README once made: discovery given only one of the keys.
  const partial = await runCli(['issuer', 'discovery', ...issuer, '--key', RSA_PUBLIC, '--out', discoveryPath]);
  assert.equal(partial.code, 0, partial.stderr);
  assert.match(partial.stderr, /^warning: --key differs from the keys of the JWKS published beside it/);
  assert.match(partial.stderr, /this document lists RS256, the JWKS holds ES256, RS256/);
  assert.match(partial.stderr, /--key .*openid\/v1\/jwks/);
  // The matching pair: discovery from the JWKS itself (or the same --key files) lists every algorithm, no warning.
  for (const keys of [
    ['--key', jwksPath],
    ['--key', RSA_PUBLIC, '--key', EC_PUBLIC],
  ]) {
    const r = await runCli(['issuer', 'discovery', ...issuer, ...keys, '--out', discoveryPath, '--force']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(JSON.parse(readFileSync(discoveryPath, 'utf8')).id_token_signing_alg_values_supported, [
      'ES256',
      'RS256',
    ]);
  }
});

test('issuer discovery: user information in the issuer is refused, a space says so (issue 9.3)', async () => {
  const creds = await runCli(['issuer', 'discovery', '--issuer', 'https://u:p@oidc.example.com', '--key', RSA_PUBLIC]);
  assert.equal(creds.code, 1);
  assert.equal(creds.stdout, '');
  assert.match(creds.stderr, /^irsa issuer discovery: issuer URL may not include user information/);
  assert.doesNotMatch(creds.stderr, /u:p/);
  const space = await runCli(['issuer', 'discovery', '--issuer', 'https://oidc example.com', '--key', RSA_PUBLIC]);
  assert.equal(space.code, 1);
  assert.match(space.stderr, /must not contain spaces/);
  assert.doesNotMatch(space.stderr, /https scheme/);
});
