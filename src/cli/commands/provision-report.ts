/**
 * The report of an apply or destroy: what failed or was skipped (with AWS's words), what ran differently from the
 * plan (notes), the documents read back, the conflicts left untouched, the AWS calls made, and the last line saying
 * what was done — `Apply complete: 3 added, 1 changed, 0 destroyed.` — as text, and the same as `--output json`
 * data.
 */
import type { IrsaError } from '../../core/errors.js';
import { planData } from '../../core/provision/plan.js';
import type { Plan } from '../../core/provision/types.js';
import { terminalSafe } from '../../core/text/terminal-safe.js';
import type { AwsCaller } from '../../io/aws/aws-call.js';
import type { ExecutionResult } from '../../io/aws/execute-plan.js';
import type { Context, Report } from '../context.js';
import { changeLine } from './provision-progress.js';
import { type ReadBack, type RunSummary, runError, runSummary } from './provision-run.js';
import type { Prepared } from './provision-shared.js';

export interface RunReport {
  plan: Plan;
  result?: ExecutionResult;
  readBack: ReadBack[];
  summary: RunSummary;
  caller: AwsCaller;
  /** AWS calls the reads made before the plan. */
  readCalls: number;
  error?: IrsaError;
}

export function awsCallsData(caller: AwsCaller, readCalls: number) {
  return {
    total: caller.calls,
    reads: readCalls,
    retries: caller.retries,
    byAction: caller.callsByAction(),
  };
}

export function runReport(r: RunReport): Report {
  const mode = r.plan.mode;
  const outcomes = (r.result?.outcomes ?? []).map((o) => ({
    resource: o.change.resource,
    plane: o.change.plane,
    kind: o.change.kind,
    cluster: o.change.cluster,
    status: o.status,
    ...(o.error ? { error: o.error } : {}),
    notes: o.notes,
  }));
  const error = r.error
    ? { code: r.error.code, message: r.error.message, ...(r.error.hint && { hint: r.error.hint }) }
    : undefined;
  return {
    ok: !r.error,
    exitCode: r.error ? 1 : 0,
    text: reportLines(r)
      .map((l) => terminalSafe(l))
      .join('\n'),
    data: {
      mode,
      status: r.error ? 'incomplete' : r.result ? 'complete' : 'no-changes',
      summary: r.summary,
      plan: planData(r.plan),
      outcomes,
      readBack: r.readBack,
      awsCalls: awsCallsData(r.caller, r.readCalls),
      ...(error ? { error } : {}),
    },
  };
}

function reportLines(r: RunReport): string[] {
  const lines: string[] = [];
  const section = (title: string, body: string[]) => {
    if (body.length > 0) lines.push(title, ...body, '');
  };
  const outcomes = r.result?.outcomes ?? [];
  section(
    'Failed or skipped:',
    outcomes.filter((o) => o.status !== 'done').flatMap((o) => [changeLine(o), ...hintLine(o.error?.hint)]),
  );
  section(
    'Notes:',
    outcomes.flatMap((o) => o.notes.map((n) => `  ${o.change.resource}: ${n}`)),
  );
  section(
    'Read back:',
    r.readBack.flatMap((b) =>
      b.checks.map(
        (c) => `  ${c.ok ? 'ok' : 'NOT OK'}  ${c.location} (${c.via})${c.ok ? '' : `: ${c.problems.join('; ')}`}`,
      ),
    ),
  );
  section(
    'Conflicts (left untouched):',
    r.plan.conflicts.flatMap((c) => [`  ! ${c.resource} (cluster ${c.cluster}): ${c.message}`, ...hintLine(c.hint)]),
  );
  const calls = awsCallsData(r.caller, r.readCalls);
  lines.push(
    `AWS calls: ${calls.total} (${calls.reads} to read, ${calls.total - calls.reads} to change${calls.retries ? `; ${calls.retries} retried` : ''}).`,
  );
  lines.push(finalLine(r.plan.mode, r.summary, Boolean(r.error)));
  return lines;
}

function hintLine(hint: string | undefined): string[] {
  return hint ? [`      ${hint}`] : [];
}

/** `Apply complete: 3 added, 1 changed, 0 destroyed.`; `Destroy complete: 4 destroyed, 1 changed.`; `… incomplete: …`. */
export function finalLine(mode: Plan['mode'], s: RunSummary, failed: boolean): string {
  const done =
    mode === 'apply'
      ? `${s.added} added, ${s.changed} changed, ${s.destroyed} destroyed`
      : `${s.destroyed} destroyed, ${s.changed} changed${s.kept ? `, ${s.kept} kept (not empty)` : ''}`;
  const verb = mode === 'apply' ? 'Apply' : 'Destroy';
  if (!failed) return `${verb} complete: ${done}.`;
  const conflicts = s.conflicts ? `, ${s.conflicts} conflict${s.conflicts === 1 ? '' : 's'}` : '';
  return `${verb} incomplete: ${done}; ${s.failed} failed, ${s.skipped} skipped${conflicts}.`;
}

/** The report of a run before anything ran (no changes: conflicts alone make it exit 1). */
export function base(p: Prepared): RunReport {
  return {
    plan: p.plan,
    readBack: [],
    summary: runSummary(p.plan, undefined),
    caller: p.caller,
    readCalls: p.readCalls,
    error: runError(p, undefined, []),
  };
}

/** A failed run also says why on stderr, in one line with its hint, as every command's failure does. */
export function finish(ctx: Context, report: Report): Report {
  const error = (report.data as { error?: { message: string; hint?: string } }).error;
  if (error && ctx.output === 'text') {
    ctx.err(`irsa ${ctx.command}: ${error.message}`);
    if (error.hint) ctx.err(`  hint: ${error.hint}`);
  }
  return report;
}
