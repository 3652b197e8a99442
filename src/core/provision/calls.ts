/**
 * The planner's shared state while it works (what it reads, what it has found so far), and the constructors of
 * Operations, so that every call the plan holds is spelled one way.
 */
import type { IrsaConfig } from '../config/types.js';
import type { Change, Conflict, CurrentState, IamAction, Operation, Plan, S3Action } from './types.js';

export interface Planning {
  config: IrsaConfig;
  current: CurrentState;
  adopt: boolean;
  /** The config's cluster names: what `ours` means (ownership.ts). */
  clusters: string[];
  plan: Plan;
}

export function startPlanning(mode: Plan['mode'], config: IrsaConfig, current: CurrentState, adopt = false): Planning {
  return {
    config,
    current,
    adopt,
    clusters: config.clusters.map((c) => c.name),
    plan: { mode, changes: [], conflicts: [], warnings: [] },
  };
}

export function addChange(p: Planning, change: Change): void {
  p.plan.changes.push(change);
}

export function addConflict(p: Planning, conflict: Conflict): void {
  p.plan.conflicts.push(conflict);
}

export function iam(action: IamAction, input: Record<string, unknown>): Operation {
  return { service: 'iam', action, input };
}

export function s3(action: S3Action, input: Record<string, unknown>): Operation {
  return { service: 's3', action, input };
}
