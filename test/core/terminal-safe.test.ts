import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { jsonTerminalSafe, terminalSafe } from '../../src/core/text/terminal-safe.js';

const DRIVES_TERMINAL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const EVIL = '\u001b]0;owned\u0007\u202egnp.exe\u009b31m\u007f\u2066\u200f\u2028\u{e0001}';

test('terminalSafe shows every control, format and separator character as a visible escape', () => {
  const shown = terminalSafe(EVIL);
  assert.doesNotMatch(shown, DRIVES_TERMINAL);
  assert.equal(shown, '\\u001b]0;owned\\u0007\\u202egnp.exe\\u009b31m\\u007f\\u2066\\u200f\\u2028\\u{e0001}');
});

test('jsonTerminalSafe: the same data parses back; no raw character can drive the terminal', () => {
  const doc = { command: 'token inspect', data: { iss: `https://x/${EVIL}`, list: [EVIL, 1, null] } };
  const text = jsonTerminalSafe(JSON.stringify(doc, null, 2));
  for (const line of text.split('\n')) assert.doesNotMatch(line, DRIVES_TERMINAL);
  assert.deepEqual(JSON.parse(text), doc);
  fc.assert(
    fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, s) => {
      const v = { value, s };
      const out = jsonTerminalSafe(JSON.stringify(v, null, 2));
      assert.deepEqual(JSON.parse(out), JSON.parse(JSON.stringify(v)));
      for (const line of out.split('\n')) assert.doesNotMatch(line, DRIVES_TERMINAL);
    }),
    { seed: 20261206, numRuns: 2000 },
  );
});
