/**
 * The readable diffs of a plan's details: documents line by line on a stable pretty-printed form (policies
 * normalized by core/aws/policy-normalize.ts, so only what IAM or S3 would read differently shows), values as
 * `~ name: old → new`. Each detail line begins with its marker: `+ `, `- `, `~ ` or two spaces (context).
 */
import { prettyPolicy } from '../aws/policy-normalize.js';

/** Longer documents are shown as removed and added whole rather than compared (LCS is quadratic). */
const MAX_DIFF_CELLS = 250_000;

/** Line diff by longest common subsequence: every line of both, marked `- `, `+ ` or `  `. */
export function diffLines(before: readonly string[], after: readonly string[]): string[] {
  if (before.length * after.length > MAX_DIFF_CELLS) {
    return [...before.map((l) => `- ${l}`), ...after.map((l) => `+ ${l}`)];
  }
  const table = lcsTable(before, after);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    if (i < before.length && j < after.length && before[i] === after[j]) {
      out.push(`  ${before[i++]}`);
      j++;
    } else if (i < before.length && (j === after.length || table[i + 1][j] >= table[i][j + 1])) {
      // Removed lines before added ones, as diff -u shows them.
      out.push(`- ${before[i++]}`);
    } else {
      out.push(`+ ${after[j++]}`);
    }
  }
  return out;
}

/** table[i][j] = length of the LCS of before[i..] and after[j..]. */
function lcsTable(before: readonly string[], after: readonly string[]): number[][] {
  const table = Array.from({ length: before.length + 1 }, () => new Array<number>(after.length + 1).fill(0));
  for (let i = before.length - 1; i >= 0; i--) {
    for (let j = after.length - 1; j >= 0; j--) {
      table[i][j] = before[i] === after[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  return table;
}

/** A policy document's change (undefined = absent), under a heading line: `~ trust policy:` then the diff. */
export function policyDiff(heading: string, before: unknown, after: unknown): string[] {
  const lines = (doc: unknown) => (doc === undefined ? [] : prettyPolicy(doc).split('\n'));
  const marker = before === undefined ? '+' : after === undefined ? '-' : '~';
  return [`${marker} ${heading}:`, ...indent(diffLines(lines(before), lines(after)))];
}

/** A published document's change: JSON pretty-printed (it is sent byte for byte; this is for reading). */
export function documentDiff(heading: string, before: string | undefined, after: string | undefined): string[] {
  const lines = (body: string | undefined) => (body === undefined ? [] : prettyBody(body).split('\n'));
  const marker = before === undefined ? '+' : after === undefined ? '-' : '~';
  const diff = diffLines(lines(before), lines(after));
  const bytesOnly = before !== undefined && after !== undefined && diff.every((l) => l.startsWith('  '));
  // Same JSON, other bytes (spacing, member order): say so rather than show a diff without a change in it.
  return bytesOnly
    ? [`~ ${heading}: the same JSON, not the exact bytes kube-apiserver serves (rewritten)`]
    : [`${marker} ${heading}:`, ...indent(diff)];
}

function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return `(not JSON: ${body.length} bytes)`;
  }
}

function indent(lines: readonly string[]): string[] {
  return lines.map((l) => `    ${l}`);
}

/** `~ max session duration: 1h → 2h`; `+`/`-` when one side is absent. */
export function valueChange(name: string, before: string | undefined, after: string | undefined): string {
  if (before === undefined) return `+ ${name}: ${after}`;
  if (after === undefined) return `- ${name}: ${before}`;
  return `~ ${name}: ${before} → ${after}`;
}
