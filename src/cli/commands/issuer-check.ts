/**
 * `irsa issuer check`: one pass of the issuer checks (core/issuer-check/) for a CronJob, CI or a person. Exit 0
 * when every check passes (warnings allowed), 1 when one fails.
 */
import { renderChecks, verdictLine } from '../../core/doctor/render.js';
import { issuerChecks } from '../../core/issuer-check/run.js';
import type { IssuerCheck } from '../../core/issuer-check/types.js';
import { terminalSafe } from '../../core/text/terminal-safe.js';
import type { Context, Report } from '../context.js';
import { connectAws, connectCluster, gatherTarget, type IssuerTargetOptions, resolveTarget } from './issuer-target.js';

export async function issuerCheck(opts: IssuerTargetOptions, ctx: Context): Promise<Report> {
  const target = await resolveTarget(opts, ctx);
  const timeoutMs = opts.timeout ?? 5000;
  const [kube, aws] = await Promise.all([connectCluster(target), connectAws(target, timeoutMs)]);
  try {
    const facts = await gatherTarget(target, opts, kube, aws, true);
    return checkReport(ctx, target.issuer, issuerChecks(facts));
  } finally {
    if (!('error' in aws)) aws.destroy();
  }
}

export function checkReport(ctx: Context, issuer: string, checks: IssuerCheck[]): Report {
  const ok = !checks.some((c) => c.status === 'fail');
  for (const w of checks.filter((c) => c.status === 'warn')) ctx.warnings.push(`${w.id}: ${w.message}`);
  const lines = [`irsa issuer check: ${issuer}`, '', renderChecks(checks), '', verdictLine(checks)].join('\n');
  // Messages quote what servers answered (AWS's error text, endpoint errors): each line made terminal-safe.
  const text = lines.split('\n').map(terminalSafe).join('\n');
  return { ok, exitCode: ok ? 0 : 1, text, data: { issuer, checks } };
}
