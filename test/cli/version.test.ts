import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VERSION } from '../../src/cli/version.js';
import { ROOT, runCli } from '../support/cli.js';

test('version matches package.json and --version prints it', async () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(VERSION, pkg.version);
  const r = await runCli(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), pkg.version);
});

test('--help lists every command group; unknown commands exit 1 with one line', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['keys', 'issuer', 'token', 'manifests', 'sandbox', 'demo', 'doctor', 'whoami', 'webhook']) {
    assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
  }
  const bad = await runCli(['no-such-command']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown command/);
  assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/);
});
