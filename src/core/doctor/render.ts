import type { Check } from '../checks.js';
import { terminalSafe } from '../text/terminal-safe.js';
import type { DoctorCheck } from './types.js';

const MARK: Record<DoctorCheck['status'], string> = { pass: '✔', warn: '!', fail: '✘', skip: '-' };

/** The human report: one line per check, then AWS's error and the fix under each failure or warning. */
export function renderChecks(checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.title.length));
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${MARK[c.status]} ${c.title.padEnd(width)}  ${c.message}`);
    const pad = ' '.repeat(width + 4);
    if (c.awsError && c.status === 'fail') lines.push(`${pad}AWS says: ${c.awsError}`);
    if (c.fix && (c.status === 'fail' || c.status === 'warn')) lines.push(`${pad}fix: ${c.fix}`);
  }
  return lines.join('\n');
}

/** The STS core's trace; its messages quote the token, so each line is made terminal-safe. */
export function renderTrace(trace: readonly Check[]): string {
  const width = Math.max(0, ...trace.map((t) => t.id.length));
  return trace.map((t) => terminalSafe(`  ${t.status.padEnd(4)} ${t.id.padEnd(width)}  ${t.message}`)).join('\n');
}

/** The closing line: `No check failed (1 warning).` or `2 checks failed: trust-policy, sts.` */
export function verdictLine(checks: readonly DoctorCheck[]): string {
  const failed = checks.filter((c) => c.status === 'fail');
  const warned = checks.filter((c) => c.status === 'warn').length;
  if (failed.length === 0) return `No check failed${warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : ''}.`;
  return `${failed.length} check${failed.length === 1 ? '' : 's'} failed: ${failed.map((c) => c.id).join(', ')}.`;
}
