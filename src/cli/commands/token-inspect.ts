import { IrsaError, UsageError } from '../../core/errors.js';
import { terminalSafe } from '../../core/text/terminal-safe.js';
import type { ObjectRef } from '../../core/tokens/claims.js';
import { duration, type Finding, type Inspection, inspectToken, type TimeClaim } from '../../core/tokens/inspect.js';
import { readInput } from '../../io/files.js';
import type { Context, Report } from '../context.js';

/**
 * `irsa token inspect [FILE|-]`: decodes and explains, never verifies, never prints the token or its signature.
 * Exit 1 when a finding is an error (the token cannot work as it is), else 0.
 */
export async function tokenInspect(opts: { now?: number }, _ctx: Context, args: string[]): Promise<Report> {
  const file = args[0] ?? '-';
  if (file === '-' && process.stdin.isTTY) {
    throw new UsageError('no token file given and standard input is a terminal', {
      hint: 'irsa token inspect /var/run/secrets/eks.amazonaws.com/serviceaccount/token (or pipe the token in)',
    });
  }
  // latin1 keeps every byte as one character, as the SDKs' "ascii" reads do, so lengths match what STS receives.
  let raw = (await readInput(file, 'token file')).toString('latin1');
  // A pipe (echo, kubectl create token) ends with a newline that the token file itself may not have.
  if (file === '-') raw = raw.replace(/\r?\n$/, '');
  let result: Inspection;
  try {
    result = inspectToken(raw, opts.now ?? Math.floor(Date.now() / 1000));
  } catch (e) {
    if (e instanceof IrsaError) throw new IrsaError(e.code, `${file === '-' ? 'stdin' : file}: ${e.message}`);
    throw e;
  }
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  const { header, ...claims } = result.summary;
  return {
    ok: errors === 0,
    data: { file, header, claims, findings: result.findings },
    text: render(result),
  };
}

const LABEL_WIDTH = 17;

/**
 * The human report. Every value in it comes from an untrusted token, so every line goes through the one escaping
 * function (control, bidi and other format characters shown as \uXXXX) on its way out.
 */
function render({ summary: s, findings }: Inspection): string {
  const lines: string[] = [];
  const row = (label: string, value: string | undefined) => {
    if (value !== undefined) lines.push(`  ${label.padEnd(LABEL_WIDTH)}${value}`);
  };
  const alg = s.header.alg ? `${s.header.alg} ` : '';
  lines.push(
    `token (decoded, NOT verified): ${s.length} characters, ${alg}signature of ${s.signatureBytes} bytes` +
      (s.legacy ? ' (legacy Secret-based token)' : ''),
  );
  row('issuer', s.issuer === undefined ? '(none)' : s.issuer);
  row('subject', s.subject === undefined ? '(none)' : s.subject);
  row('namespace', s.namespace ?? s.binding?.namespace);
  row('service account', ref(s.binding?.serviceAccount) ?? s.serviceAccount);
  row('pod', ref(s.binding?.pod));
  row('node', ref(s.binding?.node));
  row('secret', ref(s.binding?.secret));
  row(
    'audiences',
    s.audienceForm === 'missing' ? '(none)' : s.audiences.join(', ') + (s.audienceForm === 'string' ? ' (string)' : ''),
  );
  row('issued at', when(s.issuedAt));
  row('not before', when(s.notBefore));
  row('expires at', s.expiresAt ? `${s.expiresAt.iso} (${s.countdown})` : '(never)');
  row('warn after', when(s.binding?.warnAfter));
  row(
    'lifetime',
    s.lifetimeSeconds === undefined ? undefined : `${s.lifetimeSeconds}s (${duration(s.lifetimeSeconds)})`,
  );
  row('kid', s.header.kid === undefined ? '(none)' : s.header.kid);
  row('alg', s.header.alg === undefined ? '(none)' : s.header.alg);
  if (s.header.typ !== undefined) row('typ', s.header.typ);
  row('jti', s.jti);
  if (s.otherClaims.length) row('other claims', s.otherClaims.join(', '));
  lines.push('');
  if (findings.length === 0) {
    lines.push('no problems found');
  } else {
    lines.push('findings:');
    for (const f of findings) lines.push(finding(f));
  }
  return lines.map(terminalSafe).join('\n');
}

function finding(f: Finding): string {
  return `  ${f.severity.padEnd(9)}${f.id.padEnd(24)}${f.message}`;
}

function when(t: TimeClaim | undefined): string | undefined {
  return t ? `${t.iso} (${t.relative})` : undefined;
}

function ref(r: ObjectRef | undefined): string | undefined {
  if (!r) return undefined;
  return r.uid ? `${r.name} (uid ${r.uid})` : r.name;
}
