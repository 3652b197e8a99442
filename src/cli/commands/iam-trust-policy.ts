import { trustPolicyFor } from '../../core/aws/trust-policy-request.js';
import type { Context, Report } from '../context.js';

interface Options {
  issuer: string;
  namespace: string;
  serviceAccount: string;
  audience?: string[];
  accountId?: string;
  providerArn?: string;
  partition?: string;
  region?: string;
}

/** The region for the partition: --region, else the AWS CLI's own environment; none means `aws`. */
function regionOf(flag: string | undefined): string | undefined {
  return flag ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined);
}

/** stdout is the document itself (`> trust.json`, `file://trust.json`); notes go to stderr. */
export async function iamTrustPolicy(opts: Options, ctx: Context): Promise<Report> {
  const answer = trustPolicyFor({
    issuer: opts.issuer,
    namespace: opts.namespace,
    serviceAccount: opts.serviceAccount,
    audiences: opts.audience,
    accountId: opts.accountId,
    providerArn: opts.providerArn,
    partition: opts.partition,
    region: opts.partition === undefined ? regionOf(opts.region) : undefined,
  });
  for (const w of answer.warnings) ctx.warn(w);
  return {
    data: { document: answer.document, providerArn: answer.providerArn, size: answer.size },
    text: JSON.stringify(answer.document, null, 2),
  };
}
