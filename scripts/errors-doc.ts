/**
 * docs/errors.md, generated from the error table (src/core/error-codes.ts). `npm run docs:errors` writes it;
 * test/core/error-codes.test.ts fails when the file and the table differ.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, type ErrorCodeInfo } from '../src/core/error-codes.js';

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function renderErrorsDoc(): string {
  const families = new Map<string, [string, ErrorCodeInfo][]>();
  for (const [code, info] of Object.entries(ERROR_CODES) as [string, ErrorCodeInfo][]) {
    families.set(info.family, [...(families.get(info.family) ?? []), [code, info]]);
  }
  const out = [
    '# Error codes',
    '',
    '<!-- Generated from src/core/error-codes.ts by `npm run docs:errors`; do not edit by hand. -->',
    '',
    'Every failure irsa reports carries one of these codes: on stderr after the command name, and as',
    '`error.code` in `--output json` (`{"command", "ok": false, "error": {"code", "message", "hint"}, "warnings"}`).',
    'Codes are stable; match on them, never on the message text. Exit status is 1 for all of them.',
    '',
  ];
  for (const [family, rows] of families) {
    out.push(`## ${family}`, '', '| code | meaning | what to do |', '| --- | --- | --- |');
    for (const [code, info] of rows) out.push(`| \`${code}\` | ${cell(info.meaning)} | ${cell(info.action)} |`);
    out.push('');
  }
  return out.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
  console.log('wrote docs/errors.md');
}
