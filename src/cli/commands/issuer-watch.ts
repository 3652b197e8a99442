/**
 * `irsa issuer watch`: the checks of `irsa issuer check` every --interval (IAM every --iam-interval), metrics and
 * probes on --metrics-port, an Event on each state change, and with --publish the union of the apiservers' keys
 * published through the provisioning publisher. Runs until SIGTERM/SIGINT.
 */
import { UsageError } from '../../core/errors.js';
import { terminalSafe } from '../../core/text/terminal-safe.js';
import type { AwsClients } from '../../io/aws/clients.js';
import { credentialsDependOnIssuer } from '../../io/issuer-watch/credentials.js';
import { kubeEventSink } from '../../io/issuer-watch/events.js';
import { IssuerWatchMetrics } from '../../io/issuer-watch/metrics.js';
import { publishUnion } from '../../io/issuer-watch/publish.js';
import { podServiceAccount } from '../../io/issuer-watch/signing-token.js';
import { runEvery } from '../../io/issuer-watch/schedule.js';
import { startWatchServer } from '../../io/issuer-watch/server.js';
import { IssuerWatcher } from '../../io/issuer-watch/watcher.js';
import { errorWords } from '../../io/issuer-watch/words.js';
import type { KubeConnection } from '../../io/kube/client.js';
import type { Context, Report } from '../context.js';
import {
  connectAws,
  connectCluster,
  gatherTarget,
  type IssuerTarget,
  type IssuerTargetOptions,
  resolveTarget,
} from './issuer-target.js';

export interface IssuerWatchOptions extends IssuerTargetOptions {
  /** Seconds. */
  interval?: number;
  iamInterval?: number;
  metricsPort?: number;
  publish?: boolean;
}

export async function issuerWatch(opts: IssuerWatchOptions, ctx: Context): Promise<Report> {
  const target = await resolveTarget(opts, ctx);
  if (opts.publish && !target.publish)
    throw new UsageError('--publish needs -f irsa.yaml: its publish target is where keys go');
  if (opts.publish && credentialsDependOnIssuer(target.issuer)) {
    ctx.warn(
      `--publish: the AWS credentials come from a token of ${target.issuer} itself: a bad rotation locks the publisher out; give it static keys or IAM Roles Anywhere`,
    );
  }
  const timeoutMs = opts.timeout ?? 5000;
  const intervalMs = (opts.interval ?? 60) * 1000;
  const [kube, aws] = await Promise.all([connectCluster(target), connectAws(target, timeoutMs)]);
  const metrics = new IssuerWatchMetrics();
  const watcher = await makeWatcher(opts, ctx, target, kube, aws, metrics);
  const server = await startWatchServer(watcher, metrics, {
    port: opts.metricsPort ?? 9090,
    intervalMs,
    now: Date.now,
  });
  ctx.err(`irsa issuer watch: ${target.issuer}, every ${intervalMs / 1000} s; metrics on :${server.port}/metrics`);
  const loop = runEvery(
    intervalMs,
    () => watcher.tick(),
    (e) => ctx.err(`pass failed: ${errorWords(e)}`),
  );
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  await loop.stop();
  await server.close();
  if (!('error' in aws)) aws.destroy();
  return { ok: true, text: `stopped (${signal})`, data: { issuer: target.issuer, stoppedBy: signal } };
}

async function makeWatcher(
  opts: IssuerWatchOptions,
  ctx: Context,
  target: IssuerTarget,
  kube: KubeConnection | { error: string },
  aws: AwsClients | { error: string },
  metrics: IssuerWatchMetrics,
): Promise<IssuerWatcher> {
  const clients = 'error' in aws ? undefined : aws;
  const caller = clients ? new (await import('../../io/aws/aws-call.js')).AwsCaller(clients) : undefined;
  const own = target.serviceAccount ?? podServiceAccount();
  const publishTo = opts.publish ? target.publish : undefined;
  return new IssuerWatcher({
    gather: (readIam) => gatherTarget(target, opts, kube, aws, readIam),
    metrics,
    now: Date.now,
    iamIntervalMs: (opts.iamInterval ?? 900) * 1000,
    ...('error' in kube || !own ? {} : { emit: kubeEventSink(kube, { kind: 'ServiceAccount', ...own }, Date.now) }),
    ...(publishTo ? { publish: (facts) => publishUnion(publishTo, facts, caller) } : {}),
    // Lines quote what servers answered: made terminal-safe.
    log: (line) => ctx.err(terminalSafe(line)),
  });
}
