/**
 * A plan as text, read the way Terraform's is: per plane, `+` create, `~` update, `-` delete, each resource with
 * its readable diff, then the conflicts and the count: `Plan: 3 to add, 1 to change, 0 to destroy.`
 */
import { terminalSafe } from '../text/terminal-safe.js';
import { planSummary } from './plan.js';
import type { Change, ChangeKind, Plan, Plane } from './types.js';

const MARK: Readonly<Record<ChangeKind, string>> = { create: '+', update: '~', delete: '-' };
const PLANE_TITLE: Readonly<Record<Plane, string>> = {
  documents: 'Documents (discovery and JWKS, where they are published)',
  provider: 'IAM OIDC provider',
  roles: 'IAM roles (and ServiceAccount annotations)',
};

export function renderPlan(plan: Plan): string {
  const lines: string[] = [];
  const planes = [...new Set(plan.changes.map((c) => c.plane))];
  for (const plane of planes) {
    lines.push(`${PLANE_TITLE[plane]}:`);
    for (const change of plan.changes.filter((c) => c.plane === plane)) lines.push(...renderChange(change), '');
  }
  if (plan.conflicts.length > 0) {
    lines.push('Conflicts (left untouched):');
    for (const c of plan.conflicts) {
      lines.push(`  ! ${c.resource} (cluster ${c.cluster}): ${c.message}`);
      if (c.hint) lines.push(`      ${c.hint}`);
    }
    lines.push('');
  }
  lines.push(summaryLine(plan));
  return lines.map((l) => terminalSafe(l)).join('\n');
}

function renderChange(change: Change): string[] {
  const after = change.dependsOn?.length ? ` (after ${change.dependsOn.join(', ')})` : '';
  return [`  ${MARK[change.kind]} ${change.resource}${after}`, ...change.details.map((d) => `      ${d}`)];
}

function summaryLine(plan: Plan): string {
  const s = planSummary(plan);
  const conflicts = s.conflicts > 0 ? ` ${s.conflicts} conflict${s.conflicts === 1 ? '' : 's'}.` : '';
  if (plan.changes.length === 0) {
    return `No changes: ${plan.mode === 'destroy' ? 'nothing of this config is left to remove' : 'AWS matches irsa.yaml'}.${conflicts}`;
  }
  return `Plan: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy.${conflicts}`;
}
