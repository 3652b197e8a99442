import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderErrorsDoc } from '../../scripts/errors-doc.js';
import { ERROR_CODES } from '../../src/core/error-codes.js';
import { E, IrsaError } from '../../src/core/errors.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('docs/errors.md is generated from the error table (run `npm run docs:errors` after changing it)', () => {
  assert.equal(readFileSync(join(ROOT, 'docs/errors.md'), 'utf8'), renderErrorsDoc());
});

test('every code has a family, a meaning and an action, each one sentence or more', () => {
  for (const [code, info] of Object.entries(ERROR_CODES)) {
    assert.match(code, /^ERR_[A-Z0-9_]+$/);
    for (const field of ['family', 'meaning', 'action'] as const) assert.ok(info[field].trim(), `${code}.${field}`);
    assert.match(info.meaning, /[.)]$/, `${code}.meaning ends a sentence`);
    assert.match(info.action, /[.)]$/, `${code}.action ends a sentence`);
  }
});

test('src/ names codes only through E; no ERR_ string literal outside the table', () => {
  const literal = /(['"`])ERR_[A-Z0-9_]*/;
  const offenders: string[] = [];
  for (const file of sources(join(ROOT, 'src'))) {
    if (file.endsWith('/core/error-codes.ts')) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (literal.test(line) && !/^\s*(\/?\*|\/\/)/.test(line)) offenders.push(`${file.slice(ROOT.length)}:${i + 1}`);
      });
  }
  assert.deepEqual(offenders, []);
});

test('every code in the table is thrown somewhere (the set is closed and has no dead entries)', () => {
  const all = sources(join(ROOT, 'src'))
    .filter((f) => !f.endsWith('/core/error-codes.ts'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const unused = Object.keys(ERROR_CODES).filter((code) => !new RegExp(`\\bE\\.${code}\\b`).test(all));
  assert.deepEqual(unused, []);
});

test('E maps each code to itself and IrsaError carries it', () => {
  for (const code of Object.keys(ERROR_CODES)) assert.equal(E[code as keyof typeof E], code);
  const e = new IrsaError(E.ERR_KEY_INVALID, 'k.pem: not a key');
  assert.equal(e.code, 'ERR_KEY_INVALID');
  assert.ok(Object.isFrozen(E));
});
