// Code health kept (issue 8): measured with the same scripts a developer runs by hand.
//   npx tsx scripts/function-lengths.ts   — functions over 80 lines in src/ (first to last line, comments and nested
//                                           functions included; methods, arrows and callbacks too, as TypeScript parses them)
//   npx tsx scripts/core-purity.ts        — module-level mutable state and I/O in src/core/
// (No HTTP client outside src/io/ is test/io/network-boundary.test.ts; no import cycle is test/core/sts-imports.test.ts.)
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { corePurityProblems } from '../scripts/core-purity.js';
import { functionLengths, longFunctions } from '../scripts/function-lengths.js';
import { ROOT } from './support/cli.js';

test('no function in src/ is over 80 lines', () => {
  const long = longFunctions(join(ROOT, 'src'), 80, ROOT).map((f) => `${f.file}:${f.line} ${f.name} (${f.lines})`);
  assert.deepEqual(long, []);
});

test('the function-length measure counts every kind of function, nested ones included', () => {
  const found = functionLengths(join(ROOT, 'test/fixtures/function-kinds.ts'), ROOT);
  assert.deepEqual(
    found.map((f) => `${f.name}:${f.lines}`),
    ['declared:12', 'arrow:3', '(callback of [1].map):1', 'method:4', 'inner:1'],
  );
});

test('src/core has no module-level mutable state and no I/O', () => {
  assert.deepEqual(corePurityProblems(join(ROOT, 'src/core'), ROOT), []);
});

test('the purity check finds each kind of offence it looks for', () => {
  const found = corePurityProblems(join(ROOT, 'test/fixtures/impure-core'), ROOT).map((p) => p.replace(/^\S+ /, ''));
  assert.deepEqual(found, [
    'imports node:fs (I/O)',
    'imports ../../../src/io/files.js, outside the core',
    'counter: module-level let/var',
    'cache: module-level WeakMap (a cache; hand it in from the shell)',
    'seen: module-level Map not typed ReadonlyMap',
    'export const region = () => process.env.AWS_REGION;',
  ]);
});
