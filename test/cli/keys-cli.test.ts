// `irsa keys generate`, run as a user runs it (the built CLI).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseKeys } from '../../src/core/keys/parse.js';
import { runCli, tempDir } from '../support/cli.js';

const mode = (p: string) => statSync(p).mode & 0o777;

const cases = [
  { args: ['--type', 'rsa'], header: 'RSA PRIVATE KEY', alg: 'RS256', bits: 2048 },
  { args: ['--type', 'rsa', '--bits', '3072'], header: 'RSA PRIVATE KEY', alg: 'RS256', bits: 3072 },
  { args: ['--type', 'ec'], header: 'EC PRIVATE KEY', alg: 'ES256', curve: 'P-256' },
  { args: ['--type', 'ec', '--curve', 'P-384'], header: 'EC PRIVATE KEY', alg: 'ES384', curve: 'P-384' },
  { args: ['--type', 'ec', '--curve', 'P-521'], header: 'EC PRIVATE KEY', alg: 'ES512', curve: 'P-521' },
];

for (const c of cases) {
  test(`keys generate ${c.args.join(' ')}: ${c.header} (0600) and SPKI (0644), same kid`, async (t) => {
    const dir = tempDir(t);
    const r = await runCli(['keys', 'generate', ...c.args, '--out-dir', dir, '--output', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    const keyPath = join(dir, 'sa.key');
    const pubPath = join(dir, 'sa.pub');
    assert.equal(report.data.privateKey, keyPath);
    assert.equal(report.data.publicKey, pubPath);
    assert.equal(mode(keyPath), 0o600);
    assert.equal(mode(pubPath), 0o644);
    const priv = readFileSync(keyPath, 'utf8');
    const pub = readFileSync(pubPath, 'utf8');
    assert.match(priv, new RegExp(`^-----BEGIN ${c.header}-----\n[A-Za-z0-9+/=\n]+-----END ${c.header}-----\n$`));
    assert.match(pub, /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
    const [privKey] = parseKeys(priv, keyPath);
    const [pubKey] = parseKeys(pub, pubPath);
    assert.equal(privKey.kid, pubKey.kid);
    assert.equal(report.data.kid, pubKey.kid);
    assert.equal(report.data.alg, c.alg);
    assert.equal(pubKey.alg, c.alg);
    if (c.bits) assert.equal(pubKey.bits, c.bits);
    if (c.curve) assert.equal(pubKey.curve, c.curve);
    // The private key never reaches stdout or stderr.
    assert.doesNotMatch(r.stdout + r.stderr, /PRIVATE KEY/);
    // No temporary files left behind by the atomic writes.
    assert.deepEqual(readdirSync(dir).sort(), ['sa.key', 'sa.pub']);
  });
}

test('keys generate refuses to overwrite without --force and leaves the files byte-identical', async (t) => {
  const dir = tempDir(t);
  const first = await runCli(['keys', 'generate', '--type', 'ec', '--out-dir', dir]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /--service-account-signing-key-file=/);
  const before = [readFileSync(join(dir, 'sa.key')), readFileSync(join(dir, 'sa.pub'))];
  const again = await runCli(['keys', 'generate', '--type', 'ec', '--out-dir', dir]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /sa\.key already exists \(use --force to overwrite\)/);
  assert.equal(again.stderr.trim().split('\n').length, 1, again.stderr);
  assert.deepEqual([readFileSync(join(dir, 'sa.key')), readFileSync(join(dir, 'sa.pub'))], before);

  // Only the .pub present: still refused, and the .key is not created.
  const dir2 = tempDir(t);
  writeFileSync(join(dir2, 'sa.pub'), 'keep me');
  const half = await runCli(['keys', 'generate', '--out-dir', dir2]);
  assert.equal(half.code, 1);
  assert.match(half.stderr, /sa\.pub already exists/);
  assert.equal(existsSync(join(dir2, 'sa.key')), false);
  assert.equal(readFileSync(join(dir2, 'sa.pub'), 'utf8'), 'keep me');

  const forced = await runCli(['keys', 'generate', '--type', 'ec', '--out-dir', dir, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.notDeepEqual(readFileSync(join(dir, 'sa.key')), before[0]);
  assert.notDeepEqual(readFileSync(join(dir, 'sa.pub')), before[1]);
  assert.equal(mode(join(dir, 'sa.key')), 0o600);
});

test('--name keeps rotated keys side by side; a path in --name is refused', async (t) => {
  const dir = tempDir(t);
  assert.equal((await runCli(['keys', 'generate', '--type', 'ec', '--out-dir', dir])).code, 0);
  const r = await runCli(['keys', 'generate', '--type', 'ec', '--out-dir', dir, '--name', 'sa-2026']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(dir).sort(), ['sa-2026.key', 'sa-2026.pub', 'sa.key', 'sa.pub']);
  const bad = await runCli(['keys', 'generate', '--out-dir', dir, '--name', '../escape']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--name must be a plain file name/);
  assert.equal(existsSync(join(dir, '..', 'escape.key')), false);
});

test('keys generate rejects --bits 1024, a bad curve and a bad type with one line, exit 1, no files', async (t) => {
  const dir = tempDir(t);
  const bits = await runCli(['keys', 'generate', '--type', 'rsa', '--bits', '1024', '--out-dir', dir]);
  assert.equal(bits.code, 1);
  assert.match(bits.stderr, /--bits must be a multiple of 8 from 2048 to 16384, got: 1024/);
  assert.doesNotMatch(bits.stderr, /\n\s+at /);
  const curve = await runCli(['keys', 'generate', '--type', 'ec', '--curve', 'secp256k1', '--out-dir', dir]);
  assert.equal(curve.code, 1);
  assert.match(curve.stderr, /secp256k1/);
  assert.match(curve.stderr, /P-256, P-384, P-521/);
  const type = await runCli(['keys', 'generate', '--type', 'dsa', '--out-dir', dir]);
  assert.equal(type.code, 1);
  const missing = await runCli(['keys', 'generate']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--out-dir/);
  assert.deepEqual(readdirSync(dir), []);
});

test('keys generate: flags that would do nothing are refused (issue 9.3)', async (t) => {
  const dir = tempDir(t);
  const ecBits = await runCli(['keys', 'generate', '--type', 'ec', '--bits', '4096', '--out-dir', dir]);
  assert.equal(ecBits.code, 1);
  assert.match(ecBits.stderr, /^irsa keys generate: --bits is the size of an RSA key; an EC key's size is its --curve/);
  const rsaCurve = await runCli(['keys', 'generate', '--curve', 'P-384', '--out-dir', dir]);
  assert.equal(rsaCurve.code, 1);
  assert.match(rsaCurve.stderr, /--curve is for --type ec/);
  assert.deepEqual(readdirSync(dir), []);
});

test('keys generate --out-dir naming a file: one line in words, no errno text (issue 9.4)', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'garbage.pem');
  writeFileSync(file, 'not a directory');
  for (const outDir of [file, join(file, 'sub')]) {
    const r = await runCli(['keys', 'generate', '--out-dir', outDir]);
    assert.equal(r.code, 1, outDir);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^irsa keys generate: .*garbage\.pem/);
    assert.match(r.stderr, /not a directory/);
    assert.doesNotMatch(r.stderr, /EEXIST|ENOTDIR|mkdir/);
  }
  const json = await runCli(['keys', 'generate', '--out-dir', file, '-o', 'json']);
  assert.equal(JSON.parse(json.stdout).error.code, 'ERR_FILE_WRITE');
  assert.equal(readFileSync(file, 'utf8'), 'not a directory');
});
