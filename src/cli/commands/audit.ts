/**
 * `irsa audit`: every role of the account whose trust lets an OIDC provider's tokens in, judged by the rules of
 * core/audit (the sandbox STS evaluator decides what each statement admits), and with --kubeconfig the
 * ServiceAccounts whose role-arn annotation names a role. Text, the JSON envelope, or a plain SARIF 2.1.0 log for
 * code scanning; exit 1 when a high finding exists.
 */
import { isOidcProviderArn } from '../../core/aws/arn.js';
import { runAudit } from '../../core/audit/audit.js';
import { renderAudit } from '../../core/audit/render.js';
import { sarifLog } from '../../core/audit/sarif.js';
import type { AuditResult, AuditServiceAccount } from '../../core/audit/types.js';
import { DEFAULT_ANNOTATION_PREFIX } from '../../core/defaults.js';
import { UsageError } from '../../core/errors.js';
import { AwsCaller } from '../../io/aws/aws-call.js';
import { createAwsClients } from '../../io/aws/clients.js';
import { readForAudit } from '../../io/aws/read-audit.js';
import { loadKubeConfig } from '../../io/kube/client.js';
import { listServiceAccounts } from '../../io/kube/resources.js';
import type { Context, Report } from '../context.js';
import { VERSION } from '../version.js';

interface Options {
  provider?: string;
  kubeconfig?: string;
  context?: string;
  region?: string;
  output?: string;
}

export async function audit(opts: Options, ctx: Context): Promise<Report> {
  if (opts.provider !== undefined) checkProviderArn(opts.provider);
  if (opts.context !== undefined && opts.kubeconfig === undefined) {
    throw new UsageError('--context needs --kubeconfig (the ServiceAccount check reads that cluster)');
  }
  const clients = await createAwsClients(opts.region ? { region: opts.region } : {});
  const caller = new AwsCaller(clients);
  try {
    const [read, serviceAccounts] = await Promise.all([
      readForAudit(caller),
      opts.kubeconfig === undefined ? undefined : readServiceAccounts(opts.kubeconfig, opts.context),
    ]);
    const result = runAudit({
      accountId: read.account.id,
      roles: read.roles,
      providers: read.providers,
      ...(serviceAccounts ? { serviceAccounts } : {}),
      ...(opts.provider !== undefined ? { providerArn: opts.provider } : {}),
    });
    for (const n of result.notes) ctx.warn(n);
    return report(result, caller, opts.output === 'sarif');
  } finally {
    clients.destroy();
  }
}

function report(result: AuditResult, caller: AwsCaller, sarif: boolean): Report {
  const exitCode = result.counts.high > 0 ? 1 : 0;
  const text = sarif
    ? JSON.stringify(sarifLog(result, { version: VERSION }), null, 2)
    : renderAudit(result, caller.calls);
  return {
    ok: exitCode === 0,
    exitCode,
    text,
    data: {
      findings: result.findings,
      counts: result.counts,
      rolesRead: result.rolesRead,
      webIdentityRoles: result.webIdentityRoles,
      providersRead: result.providersRead,
      awsCalls: caller.calls,
      callsByAction: caller.callsByAction(),
    },
  };
}

function checkProviderArn(arn: string): void {
  if (!isOidcProviderArn(arn)) {
    throw new UsageError(
      `--provider must be an OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<host/path>), got: ${arn}`,
    );
  }
}

/** Every ServiceAccount of the cluster with a role-arn annotation (one LIST across namespaces). */
async function readServiceAccounts(kubeconfig: string, context?: string): Promise<AuditServiceAccount[]> {
  const conn = await loadKubeConfig({ kubeconfig, ...(context !== undefined ? { context } : {}) });
  const roleKey = `${DEFAULT_ANNOTATION_PREFIX}/role-arn`;
  const audienceKey = `${DEFAULT_ANNOTATION_PREFIX}/audience`;
  return (await listServiceAccounts(conn)).flatMap((sa) => {
    const annotations = sa.metadata?.annotations ?? {};
    const roleArn = annotations[roleKey];
    if (!roleArn) return [];
    const audience = annotations[audienceKey];
    return [
      {
        namespace: sa.metadata?.namespace ?? '',
        name: sa.metadata?.name ?? '',
        roleArn,
        ...(audience ? { audience } : {}),
      },
    ];
  });
}
