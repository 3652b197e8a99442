/**
 * One pass of facts for the issuer checks (core/issuer-check/): the apiservers and a fresh token through the
 * cluster connection, the public copy over HTTPS, IAM and the STS canary through the AWS SDK — side by side, each
 * bounded by its timeout, none able to fail the pass (what fails becomes a fact the checks turn into a warning).
 */
import type { CanaryFacts, IamFacts, IssuerWatchFacts } from '../../core/issuer-check/types.js';
import type { AwsClients } from '../aws/clients.js';
import type { KubeConnection } from '../kube/client.js';
import { readApiserverKeys } from './apiservers.js';
import { stsCanary } from './canary.js';
import { readIam } from './iam.js';
import { readPublicCopy } from './public-read.js';
import { type FreshToken, requestOwnToken, type ServiceAccountRef } from './signing-token.js';

export interface GatherOptions {
  issuer: string;
  /** The cluster, or why it cannot be reached; undefined: no cluster to read. */
  kube?: KubeConnection | { error: string };
  serviceAccount?: ServiceAccountRef;
  /** The audience of the fresh token and the client IDs the provider must have (first: the token's). */
  audiences: string[];
  trustCa: string[];
  /** AWS clients, or why there are none; undefined: IAM and the canary are not read this pass. */
  aws?: AwsClients | { error: string };
  /** Read IAM this pass (the watch reads it less often than the rest). */
  readIam: boolean;
  canaryRole?: string;
  timeoutMs: number;
  /** Milliseconds since the epoch. */
  now: () => number;
  inClusterRoot?: string;
}

export async function gatherIssuerFacts(o: GatherOptions): Promise<IssuerWatchFacts> {
  const started = o.now();
  const [cluster, publicCopy] = await Promise.all([
    clusterFacts(o),
    readPublicCopy(o.issuer, { trustCa: o.trustCa, timeoutMs: o.timeoutMs, nonce: String(started) }),
  ]);
  const [iam, canary] = await Promise.all([iamFacts(o), canaryFacts(o, cluster.token?.token)]);
  return {
    issuer: o.issuer,
    now: Math.floor(started / 1000),
    ...(cluster.apiservers ? { apiservers: cluster.apiservers } : {}),
    ...(cluster.token ? { signing: cluster.token.facts } : {}),
    ...publicCopy,
    ...(iam ? { iam } : {}),
    ...(canary ? { canary } : {}),
  };
}

/** IAM this pass: not read (undefined), why it cannot be, or what it holds. */
async function iamFacts(o: GatherOptions): Promise<IamFacts | undefined> {
  if (!o.readIam || !o.aws) return undefined;
  if ('error' in o.aws) return { ok: false, error: o.aws.error };
  return readIam(o.aws, o.issuer, o.audiences);
}

/** The STS canary, when --canary-role names one. */
async function canaryFacts(o: GatherOptions, token: string | undefined): Promise<CanaryFacts | undefined> {
  if (!o.canaryRole) return undefined;
  if (!o.aws || 'error' in o.aws) {
    return { ok: false, roleArn: o.canaryRole, message: o.aws?.error ?? 'no AWS clients' };
  }
  return stsCanary(o.aws, o.canaryRole, token);
}

async function clusterFacts(
  o: GatherOptions,
): Promise<{ apiservers?: IssuerWatchFacts['apiservers']; token?: FreshToken }> {
  if (!o.kube) return {};
  if ('error' in o.kube) return { apiservers: { error: o.kube.error }, token: { facts: { error: o.kube.error } } };
  const conn = o.kube;
  const [apiservers, token] = await Promise.all([
    readApiserverKeys(conn, o.timeoutMs),
    requestOwnToken(conn, o.serviceAccount, o.audiences[0], { timeoutMs: o.timeoutMs, inClusterRoot: o.inClusterRoot }),
  ]);
  return { apiservers, token };
}
