/**
 * `irsa apply -f irsa.yaml [--auto-approve] [--adopt]`: the plan, shown and approved (a prompt on a terminal, or
 * --auto-approve), then made so plane by plane; the documents read back after publishing; every failure and
 * conflict reported with the rest still done (exit 1 if any) — except a plan that would undo a key rotation, refused
 * whole before anything changes (rotation-guard.ts). The last line says what was done.
 */
import { renderPlan } from '../../core/provision/render.js';
import { applyRefusal } from '../../core/provision/rotation-guard.js';
import type { Context, Report } from '../context.js';
import { approve, checkApprovalFlags } from './provision-approve.js';
import { base, finish, runReport } from './provision-report.js';
import { directoryReadBackWarnings, readBack, runError, runPlan, runSummary } from './provision-run.js';
import { type ProvisionOptions, prepare } from './provision-shared.js';

export async function apply(opts: ProvisionOptions, ctx: Context): Promise<Report> {
  checkApprovalFlags(ctx, opts.autoApprove, 'apply');
  const p = await prepare(opts, ctx, 'apply');
  try {
    if (ctx.output === 'text') ctx.out(`${renderPlan(p.plan)}\n`);
    // A conflict that refuses the whole apply (it would undo a key rotation): before any prompt or change.
    const refused = applyRefusal(p.plan);
    if (refused) throw refused;
    if (p.plan.changes.length === 0) return finish(ctx, runReport(base(p)));
    await approve(ctx, opts.autoApprove, 'apply');
    const result = await runPlan(p, ctx, 'apply', opts.parallelism);
    const back = await readBack(p, result);
    for (const w of directoryReadBackWarnings(back)) ctx.warn(w);
    const error = runError(p, result, back);
    return finish(ctx, runReport({ ...base(p), result, readBack: back, summary: runSummary(p.plan, result), error }));
  } finally {
    p.close();
  }
}
