/** `irsa audit` in text: each finding (severity, rule, role, statement, why, fix), then a one-line summary. */
import { terminalSafe } from '../text/terminal-safe.js';
import type { AuditResult, Finding } from './types.js';

export function renderAudit(result: AuditResult, awsCalls: number): string {
  const blocks = result.findings.map(renderFinding);
  const { high, medium, low } = result.counts;
  const summary =
    `${high} high, ${medium} medium, ${low} low: ${result.webIdentityRoles} of ${result.rolesRead} roles trust an ` +
    `OIDC provider, ${result.providersRead} providers; ${awsCalls} AWS calls`;
  const notes = result.notes.map((n) => `note: ${n}`);
  // Line by line: terminalSafe escapes line feeds, and the structure's own are not data.
  return [...blocks, ...notes, summary].join('\n\n').split('\n').map(terminalSafe).join('\n');
}

function renderFinding(f: Finding): string {
  const about = f.role ?? f.provider ?? '';
  const lines = [
    `${f.severity.toUpperCase().padEnd(6)} ${f.rule}  ${about}${f.statement ? `  statement ${f.statement.index}` : ''}`,
  ];
  if (f.serviceAccount) lines.push(`  ServiceAccount: ${f.serviceAccount}`);
  if (f.statement) lines.push(`  statement: ${JSON.stringify(f.statement.json)}`);
  lines.push(`  why: ${f.message}`, `  fix: ${f.fix.text}`);
  if (f.fix.command) lines.push(`       ${f.fix.command}`);
  if (f.fix.statement) lines.push(`       ${JSON.stringify(f.fix.statement)}`);
  return lines.join('\n');
}
