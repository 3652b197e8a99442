// Install as users install (issue 9.9): `npm pack`, `npm install -g` of the tarball into an empty prefix, then
// `irsa --help` and `irsa demo` from that prefix's bin/. Offline: the dependencies come from npm's cache, which
// `npm ci` filled. The tarball is packed from the dist/ that `npm test` built (--ignore-scripts: prepack's clean
// rebuild would pull dist/ from under the other tests running beside this one).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { type RunResult, runProcess, tempDir } from '../support/cli.js';

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  return runProcess(command, args, { env, timeoutMs });
}

test('npm pack → npm install -g into an empty prefix → irsa --help and irsa demo work from there', async (t) => {
  const dir = tempDir(t, 'irsa-install-');
  const prefix = join(dir, 'prefix');
  // Node on PATH for the bin's `#!/usr/bin/env node`; nothing of this checkout's node_modules.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    NODE_OPTIONS: '',
  };

  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], env, 120_000);
  assert.equal(pack.code, 0, pack.stderr);
  const [packed] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[] }];
  const files = packed.files.map((f) => f.path);
  assert.ok(files.includes('dist/cli.js'), 'the built CLI is in the tarball');
  assert.ok(files.includes('package.json') && files.includes('README.md'));
  assert.ok(files.includes('charts/irsa-anywhere/values.schema.json'), 'the Helm chart ships with the package');
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/')), 'sources and tests stay out');

  const install = await run(
    'npm',
    ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, packed.filename)],
    env,
    240_000,
  );
  assert.equal(install.code, 0, install.stderr);
  assert.doesNotMatch(install.stderr, /install-scripts/, 'installing runs no script and asks for no approval');
  const irsa = join(prefix, 'bin', 'irsa');
  assert.ok(existsSync(irsa), 'irsa is on the prefix PATH');

  const help = await run(irsa, ['--help'], env, 60_000);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: irsa /);

  const demo = await run(irsa, ['demo', '--output', 'json'], { ...env, TMPDIR: dir }, 120_000);
  assert.equal(demo.code, 0, demo.stdout + demo.stderr);
  const report = JSON.parse(demo.stdout);
  assert.equal(report.ok, true);
  assert.ok(report.data.steps.every((s: { ok: boolean }) => s.ok));
});
