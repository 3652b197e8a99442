// Dependencies used for what they are for (issue 8.6): a runtime dependency is a package src/ imports and dist/
// loads from node_modules; what only the build, tests and benchmarks use is a devDependency.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../support/cli.js';

/** Bundled into dist/cli.js by scripts/build.mjs, so not needed at run time. */
const BUNDLED = new Set(['commander']);
/** Declared but not imported, each with its reason (none today). */
const NOT_IMPORTED = new Set<string>([]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** `@scope/name` or `name` of every bare import (static, side-effect and dynamic) in src/. */
function importedPackages(): Set<string> {
  const names = new Set<string>();
  const bare = /(?:from\s+|import\s*\(\s*|import\s+)'(@?[a-z][^'\s]*)'/g;
  for (const file of sources(join(ROOT, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(bare)) {
      const spec = m[1];
      if (spec.startsWith('node:')) continue;
      names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  }
  return names;
}

test('every runtime dependency is imported by src/, and everything src/ imports is declared', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const runtime = new Set(Object.keys(pkg.dependencies));
  const dev = new Set(Object.keys(pkg.devDependencies));
  const imported = importedPackages();
  for (const name of imported) {
    if (BUNDLED.has(name)) assert.ok(dev.has(name), `${name} is bundled: a devDependency`);
    else assert.ok(runtime.has(name), `src/ imports ${name}: it must be a dependency`);
  }
  for (const name of runtime) {
    assert.ok(imported.has(name) || NOT_IMPORTED.has(name), `${name} is a dependency that src/ never imports`);
  }
  assert.ok(!runtime.has('commander') && !runtime.has('fast-check') && !runtime.has('esbuild'));
});
