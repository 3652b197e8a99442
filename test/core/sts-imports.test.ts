// No import cycles in src/, type-only imports included (the STS types, trust policy and AWS errors once formed
// one: AwsError now lives with the errors in aws-errors.ts). A plain reading of the import lines, as madge would.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../support/cli.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('no import cycles in src/, type-only imports included', () => {
  const src = join(ROOT, 'src');
  const files = new Set(sources(src));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)\b[^;]*?from\s+'(\.[^']+)'/gms)].map((m) =>
      resolve(dirname(file), m[1].replace(/\.js$/, '.ts')),
    );
    graph.set(
      file,
      targets.filter((t) => files.has(t)),
    );
  }
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open')
        cycles.push([...path.slice(path.indexOf(next)), next].map((f) => relative(src, f)).join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  assert.deepEqual(cycles, []);
  assert.ok(graph.get(join(src, 'core/sts/decide.ts'))?.length, 'the reader sees imports');
});
