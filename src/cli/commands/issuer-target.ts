/**
 * What `irsa issuer check` and `irsa issuer watch` watch, from the command line: `-f irsa.yaml --cluster NAME`
 * (issuer, audiences, publish target, region and the cluster's kubeconfig/context from the file) or `--issuer URL`;
 * then the cluster connection and the AWS clients, each of which may be missing (a check that cannot run warns).
 */
import { checkRoleArn } from '../../core/aws/arn.js';
import type { PublishTarget } from '../../core/config/types.js';
import { DEFAULT_AUDIENCE } from '../../core/defaults.js';
import { UsageError } from '../../core/errors.js';
import { checkIssuerUrl } from '../../core/issuer/issuer-url.js';
import type { IssuerWatchFacts } from '../../core/issuer-check/types.js';
import type { AwsClients } from '../../io/aws/clients.js';
import { gatherIssuerFacts } from '../../io/issuer-watch/gather.js';
import type { ServiceAccountRef } from '../../io/issuer-watch/signing-token.js';
import { errorWords } from '../../io/issuer-watch/words.js';
import type { KubeConnection } from '../../io/kube/client.js';
import type { Context } from '../context.js';
import { readTrustCa } from '../trust-ca.js';
import { chooseCluster } from './choose-cluster.js';

export interface IssuerTargetOptions {
  file?: string;
  cluster?: string;
  issuer?: string;
  kubeconfig?: string;
  context?: string;
  serviceAccount?: string;
  audience?: string[];
  trustCa?: string[];
  canaryRole?: string;
  /** Milliseconds, per request. */
  timeout?: number;
}

export interface IssuerTarget {
  issuer: string;
  audiences: string[];
  region?: string;
  publish?: PublishTarget;
  kubeconfig?: string;
  context?: string;
  serviceAccount?: ServiceAccountRef;
  trustCa: string[];
}

export async function resolveTarget(opts: IssuerTargetOptions, ctx: Context): Promise<IssuerTarget> {
  if (Boolean(opts.file) === Boolean(opts.issuer))
    throw new UsageError('give either -f irsa.yaml --cluster NAME or --issuer URL');
  if (opts.canaryRole !== undefined) checkRoleArn(opts.canaryRole, '--canary-role');
  const base = opts.file
    ? await fromConfig(opts.file, opts.cluster)
    : { issuer: opts.issuer as string, audiences: [DEFAULT_AUDIENCE] };
  for (const w of checkIssuerUrl(base.issuer).warnings) ctx.warn(w);
  return {
    ...base,
    ...(opts.audience?.length ? { audiences: opts.audience } : {}),
    kubeconfig: opts.kubeconfig ?? base.kubeconfig,
    context: opts.context ?? base.context,
    ...(opts.serviceAccount ? { serviceAccount: parseServiceAccount(opts.serviceAccount) } : {}),
    trustCa: readTrustCa(opts.trustCa),
  };
}

async function fromConfig(file: string, name: string | undefined): Promise<Omit<IssuerTarget, 'trustCa'>> {
  const { readConfigFile } = await import('./provision-shared.js');
  const { config } = await readConfigFile(file);
  const cluster = chooseCluster(config, name);
  const keys = cluster.keys;
  return {
    issuer: cluster.issuer,
    audiences: cluster.audiences.length ? cluster.audiences : [DEFAULT_AUDIENCE],
    region: config.region,
    publish: cluster.publish,
    ...(keys.from === 'cluster' ? { kubeconfig: keys.kubeconfig, context: keys.context } : {}),
  };
}

function parseServiceAccount(ref: string): ServiceAccountRef {
  const m = /^([a-z0-9][-a-z0-9.]*)\/([a-z0-9][-a-z0-9.]*)$/.exec(ref);
  if (!m) throw new UsageError(`--service-account must be NAMESPACE/NAME, got: ${ref}`);
  return { namespace: m[1], name: m[2] };
}

/** The cluster connection, or why there is none (then the apiserver checks warn). */
export async function connectCluster(t: IssuerTarget): Promise<KubeConnection | { error: string }> {
  const { loadKubeConfig } = await import('../../io/kube/client.js');
  try {
    return await loadKubeConfig({ kubeconfig: t.kubeconfig, context: t.context });
  } catch (e) {
    return { error: errorWords(e) };
  }
}

/** The AWS clients (the SDK's credential chain and endpoints), or why there are none. */
export async function connectAws(t: IssuerTarget, timeoutMs: number): Promise<AwsClients | { error: string }> {
  const { createAwsClients } = await import('../../io/aws/clients.js');
  try {
    return await createAwsClients({
      region: t.region,
      connectionTimeoutMs: timeoutMs,
      requestTimeoutMs: timeoutMs * 2,
    });
  } catch (e) {
    return { error: errorWords(e) };
  }
}

/** One pass of facts about the target, as `issuer check` gathers it once and `issuer watch` every interval. */
export function gatherTarget(
  t: IssuerTarget,
  opts: Pick<IssuerTargetOptions, 'canaryRole' | 'timeout'>,
  kube: KubeConnection | { error: string },
  aws: AwsClients | { error: string },
  readIam: boolean,
): Promise<IssuerWatchFacts> {
  return gatherIssuerFacts({
    issuer: t.issuer,
    kube,
    serviceAccount: t.serviceAccount,
    audiences: t.audiences,
    trustCa: t.trustCa,
    aws,
    readIam,
    canaryRole: opts.canaryRole,
    timeoutMs: opts.timeout ?? 5000,
    now: Date.now,
  });
}
