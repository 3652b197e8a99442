/**
 * `irsa iam policy -f irsa.yaml`: the least-privilege IAM policy apply, destroy and audit need for this file
 * (core/iam-policy). The account comes from --account-id, else from the credentials (STS GetCallerIdentity, which
 * needs no permission). stdout is the document itself; what cannot be scoped is said on stderr (and in JSON data).
 */
import { buildIamPolicy } from '../../core/iam-policy/build.js';
import type { PolicyCommand } from '../../core/iam-policy/needs.js';
import { E, IrsaError } from '../../core/errors.js';
import type { Context, Report } from '../context.js';
import { readConfigFile } from './provision-shared.js';

interface Options {
  file: string;
  for?: 'apply' | 'destroy' | 'audit' | 'all';
  bulkRead?: boolean;
  accountId?: string;
}

export async function iamPolicy(opts: Options, ctx: Context): Promise<Report> {
  const { config, warnings } = await readConfigFile(opts.file);
  for (const w of warnings) ctx.warn(w);
  const account = await accountOf(opts.accountId, config.region);
  const commands: PolicyCommand[] =
    opts.for === undefined || opts.for === 'all' ? ['apply', 'destroy', 'audit'] : [opts.for];
  const answer = buildIamPolicy({
    config,
    accountId: account.id,
    partition: account.partition,
    commands,
    bulkRead: Boolean(opts.bulkRead),
  });
  if (ctx.output === 'text') {
    for (const u of answer.unscoped) ctx.err(`note: ${u.action} takes Resource "*": ${u.why}`);
    if (commands.includes('audit')) {
      ctx.err('note: the audit reads every role and every OIDC provider of the account: it is account-wide by nature');
    }
  }
  return {
    data: { document: answer.document, unscoped: answer.unscoped, commands, account: account.id },
    text: JSON.stringify(answer.document, null, 2),
  };
}

async function accountOf(flag: string | undefined, region: string): Promise<{ id: string; partition?: string }> {
  if (flag !== undefined) {
    if (!/^\d{12}$/.test(flag)) throw new IrsaError(E.ERR_ACCOUNT_ID, `--account-id must be 12 digits, got: ${flag}`);
    return { id: flag };
  }
  const { createAwsClients } = await import('../../io/aws/clients.js');
  const { AwsCaller } = await import('../../io/aws/aws-call.js');
  const { readAccount } = await import('../../io/aws/read-state.js');
  const clients = await createAwsClients({ region });
  try {
    const account = await readAccount(new AwsCaller(clients));
    return { id: account.id, partition: account.partition };
  } finally {
    clients.destroy();
  }
}
