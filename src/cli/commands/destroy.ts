/**
 * `irsa destroy -f irsa.yaml [--auto-approve]`: removes what irsa manages for the file's clusters, in reverse
 * order (roles, providers, documents), and nothing else: a role or provider not tagged as ours is left with a
 * warning, the bucket goes only if irsa created it and it is empty once our objects are gone.
 */
import { renderPlan } from '../../core/provision/render.js';
import type { Context, Report } from '../context.js';
import { approve, checkApprovalFlags } from './provision-approve.js';
import { base, finish, runReport } from './provision-report.js';
import { runError, runPlan, runSummary } from './provision-run.js';
import { type ProvisionOptions, prepare } from './provision-shared.js';

export async function destroy(opts: ProvisionOptions, ctx: Context): Promise<Report> {
  checkApprovalFlags(ctx, opts.autoApprove, 'destroy');
  const p = await prepare(opts, ctx, 'destroy');
  try {
    if (ctx.output === 'text') ctx.out(`${renderPlan(p.plan)}\n`);
    if (p.plan.changes.length === 0) return finish(ctx, runReport(base(p)));
    await approve(ctx, opts.autoApprove, 'destroy');
    const result = await runPlan(p, ctx, 'destroy', opts.parallelism);
    const error = runError(p, result, []);
    return finish(ctx, runReport({ ...base(p), result, summary: runSummary(p.plan, result), error }));
  } finally {
    p.close();
  }
}
