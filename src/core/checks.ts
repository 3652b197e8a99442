/**
 * A check result as every checking command reports it (`issuer fetch`, `webhook check`, `doctor --pod`) and as the
 * STS validation core traces its decision (sts/types.ts), so `--output json` reads alike everywhere.
 */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface Check {
  id: string;
  status: CheckStatus;
  message: string;
}

const MARK: Record<CheckStatus, string> = { pass: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

/** One line per check: `FAIL jwks-uri-public  jwks_uri host ... `. */
export function formatChecks(checks: readonly Check[]): string {
  const width = Math.max(0, ...checks.map((c) => c.id.length));
  return checks.map((c) => `${MARK[c.status]} ${c.id.padEnd(width)}  ${c.message}`).join('\n');
}

export function anyFailed(checks: readonly Check[]): boolean {
  return checks.some((c) => c.status === 'fail');
}

/** `3 passed, 1 warning, 1 failed`. */
export function summarizeChecks(checks: readonly Check[]): string {
  const n = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  const parts = [`${n('pass')} passed`];
  if (n('warn')) parts.push(`${n('warn')} warning${n('warn') === 1 ? '' : 's'}`);
  parts.push(`${n('fail')} failed`);
  return parts.join(', ');
}
