// Runs every test/**/*.test.ts with node's own test runner (its summary is what CI reads), after making sure the
// tools the tests drive are there (scripts/test-tools.mjs: installs them with apt as root, or stops with one line).
// Node 20's --test does not expand globs, so the files are listed here; and 20 and 22 print TAP into a pipe where
// 24+ print spec, so spec is asked for: .ci/run reads the same summary from each Node it runs this on. Nothing in the
// environment is set for the tests: they see what a user sees (the Node 20 notice: test/support/cli.ts).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTestTools } from './test-tools.mjs';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}
const only = process.argv.slice(2);
const files = only.length ? only : find('test').sort();
if (files.length === 0) {
  console.error('no test files found under test/');
  process.exit(1);
}
await ensureTestTools();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
