/**
 * The planner: `planApply(config, current, options)` and `planDestroy(config, current)` compare irsa.yaml with
 * what the readers found and return a Plan (core/provision/types.ts) — the changes per plane with the calls that
 * make them, the conflicts (what the config asks for that cannot be done), the warnings. Pure: same input, same
 * plan. Compared by meaning (policy documents normalized, tags, thumbprints in any case), so a plan on the state
 * its own apply produced is empty. The CLI turns planOutcome() into the exit code: 0 nothing to do, 2 changes,
 * 1 conflicts.
 */
import type { IrsaConfig } from '../config/types.js';
import { startPlanning } from './calls.js';
import { planDestroyDocuments, planDestroyProviders, planDestroyRoles } from './destroy.js';
import { planDocuments } from './documents.js';
import { planProviders } from './provider.js';
import { planRoles } from './roles.js';
import { planRotationGuard } from './rotation-guard.js';
import type { ApplyOptions, ChangeKind, CurrentState, Plan } from './types.js';

export function planApply(config: IrsaConfig, current: CurrentState, options: ApplyOptions): Plan {
  const p = startPlanning('apply', config, current, options.adopt);
  planDocuments(p, options.material);
  planRotationGuard(p, options.material);
  planProviders(p, options.material);
  planRoles(p);
  return p.plan;
}

export function planDestroy(config: IrsaConfig, current: CurrentState): Plan {
  const p = startPlanning('destroy', config, current);
  planDestroyRoles(p);
  planDestroyProviders(p);
  planDestroyDocuments(p);
  return p.plan;
}

export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  conflicts: number;
}

const COUNTED: Readonly<Record<ChangeKind, keyof PlanSummary>> = { create: 'add', update: 'change', delete: 'destroy' };

export function planSummary(plan: Plan): PlanSummary {
  const summary: PlanSummary = { add: 0, change: 0, destroy: 0, conflicts: plan.conflicts.length };
  for (const c of plan.changes) summary[COUNTED[c.kind]]++;
  return summary;
}

export interface PlanOutcome {
  /** 0: nothing would change; 2: changes; 1: conflicts (whatever else would change). */
  exitCode: 0 | 1 | 2;
  status: 'no-changes' | 'changes' | 'conflicts';
}

export function planOutcome(plan: Plan): PlanOutcome {
  if (plan.conflicts.length > 0) return { exitCode: 1, status: 'conflicts' };
  return plan.changes.length > 0 ? { exitCode: 2, status: 'changes' } : { exitCode: 0, status: 'no-changes' };
}

/** The plan as `--output json` data: the plan itself, its summary and outcome. */
export function planData(plan: Plan): Plan & { summary: PlanSummary; status: PlanOutcome['status'] } {
  return { ...plan, summary: planSummary(plan), status: planOutcome(plan).status };
}
