/**
 * `irsa plan -f irsa.yaml`: what apply (or, with --destroy, destroy) would change, per plane, with readable diffs;
 * changes nothing. Exit 0 nothing would change, 2 changes, 1 conflicts (as `terraform plan -detailed-exitcode`).
 */
import { planData, planOutcome } from '../../core/provision/plan.js';
import { renderPlan } from '../../core/provision/render.js';
import type { Context, Report } from '../context.js';
import { awsCallsData } from './provision-report.js';
import { type ProvisionOptions, prepare } from './provision-shared.js';

export async function plan(opts: ProvisionOptions, ctx: Context): Promise<Report> {
  const p = await prepare(opts, ctx, opts.destroy ? 'destroy' : 'apply');
  try {
    const outcome = planOutcome(p.plan);
    return {
      ok: outcome.exitCode !== 1,
      exitCode: outcome.exitCode,
      text: renderPlan(p.plan),
      data: {
        ...planData(p.plan),
        roleReadMode: p.state.roleReadMode,
        awsCalls: awsCallsData(p.caller, p.readCalls),
      },
    };
  } finally {
    p.close();
  }
}
