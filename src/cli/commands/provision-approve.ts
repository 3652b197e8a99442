/**
 * The approval apply and destroy ask for, as Terraform asks it: on a terminal, the plan is shown and only `yes`
 * approves; without a terminal there is no one to ask, so `--auto-approve` must say it (a usage error otherwise).
 * `--output json` has no prompt at all (stdout is one JSON object), so it needs `--auto-approve` before anything
 * is read.
 */
import { createInterface } from 'node:readline/promises';
import { E, IrsaError, UsageError } from '../../core/errors.js';
import type { Context } from '../context.js';

export type Approval = 'apply' | 'destroy';

/** Before any work: what can be refused from the command line alone. */
export function checkApprovalFlags(ctx: Context, autoApprove: boolean | undefined, what: Approval): void {
  if (ctx.output === 'json' && !autoApprove) {
    throw new UsageError(`--output json needs --auto-approve: irsa ${what} cannot prompt when its output is JSON`);
  }
}

const QUESTION: Readonly<Record<Approval, string[]>> = {
  apply: [
    'Do you want to perform these actions?',
    '  irsa will perform the actions described above.',
    "  Only 'yes' will be accepted to approve.",
  ],
  destroy: [
    'Do you really want to destroy what irsa manages for this irsa.yaml?',
    '  irsa will delete what is described above. There is no undo.',
    "  Only 'yes' will be accepted to confirm.",
  ],
};

/** Resolves when approved; throws a usage error without a terminal, ERR_NOT_APPROVED for any answer but `yes`. */
export async function approve(ctx: Context, autoApprove: boolean | undefined, what: Approval): Promise<void> {
  if (autoApprove) return;
  if (!process.stdin.isTTY) {
    throw new UsageError(
      `--auto-approve is needed when the input is not a terminal: there is no one to ask to approve the ${what}`,
    );
  }
  ctx.out(['', ...QUESTION[what], ''].join('\n'));
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  // Ctrl-D (end of input) is no answer: not approved.
  const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
  let answer: string;
  try {
    answer = await Promise.race([rl.question('  Enter a value: '), closed]);
  } finally {
    rl.close();
  }
  ctx.out('');
  if (answer.trim() !== 'yes') {
    const cancelled = what === 'apply' ? 'Apply cancelled' : 'Destroy cancelled';
    throw new IrsaError(E.ERR_NOT_APPROVED, `${cancelled}: only 'yes' approves, nothing was changed`);
  }
}
