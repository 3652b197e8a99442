/**
 * The audit as a SARIF 2.1.0 log (OASIS), the format GitHub code scanning and other CI dashboards read: one run, the
 * rule catalogue (rule-table.ts) as the driver's rules with help text and GitHub's `security-severity`, one result
 * per finding. An account has no source file: each result's location is the role's (or provider's) ARN, as an
 * artifact URI and a logical location; its fingerprint is stable across runs (rule, role, provider, statement).
 */
import { RULE_LIST } from './rule-table.js';
import type { AuditResult, Finding, Severity } from './types.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { high: 'error', medium: 'warning', low: 'note' };
/** GitHub's bands: high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9. */
const SECURITY_SEVERITY: Record<Severity, string> = { high: '8.0', medium: '5.0', low: '2.0' };

export interface SarifTool {
  version: string;
}

export function sarifLog(result: AuditResult, tool: SarifTool): Record<string, unknown> {
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'irsa-anywhere',
            version: tool.version,
            rules: RULE_LIST.map((r) => ({
              id: r.id,
              name: r.id,
              shortDescription: { text: r.title },
              fullDescription: { text: r.help },
              help: { text: r.help, markdown: r.help },
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: { 'security-severity': SECURITY_SEVERITY[r.severity], tags: ['security', 'iam', 'irsa'] },
            })),
          },
        },
        results: result.findings.map(sarifResult),
      },
    ],
  };
}

function sarifResult(f: Finding): Record<string, unknown> {
  const subject = f.role ?? f.provider ?? '';
  const statement = f.statement ? ` (statement ${f.statement.index})` : '';
  return {
    ruleId: f.rule,
    ruleIndex: RULE_LIST.findIndex((r) => r.id === f.rule),
    level: LEVEL[f.severity],
    message: { text: `${f.message}. Fix: ${f.fix.text}${f.fix.command ? ` — ${f.fix.command}` : ''}` },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: subject } },
        logicalLocations: [{ fullyQualifiedName: `${subject}${statement}`, kind: 'resource' }],
      },
    ],
    partialFingerprints: {
      'irsaFinding/v1': [f.rule, f.role ?? '', f.provider ?? '', f.serviceAccount ?? '', f.statement?.index ?? ''].join(
        '|',
      ),
    },
    properties: {
      severity: f.severity,
      ...(f.serviceAccount ? { serviceAccount: f.serviceAccount } : {}),
      ...(f.statement ? { statement: f.statement } : {}),
      fix: f.fix,
    },
  };
}
