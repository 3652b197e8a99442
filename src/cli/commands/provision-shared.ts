/**
 * The steps `irsa plan`, `irsa apply` and `irsa destroy` share: read and check irsa.yaml, gather each cluster's key
 * set and thumbprints (apply), read the current state of AWS, the published documents and the annotated
 * ServiceAccounts, and plan. Everything that talks to AWS or a cluster is loaded only when one of these commands
 * runs (this module is imported by them alone).
 */
import { dirname, resolve } from 'node:path';
import { loadConfig } from '../../core/config/load.js';
import type { IrsaConfig } from '../../core/config/types.js';
import { planApply, planDestroy } from '../../core/provision/plan.js';
import { stateQuery } from '../../core/provision/query.js';
import type { ClusterMaterial, CurrentState, Plan } from '../../core/provision/types.js';
import { AwsCaller } from '../../io/aws/aws-call.js';
import { type AwsClients, createAwsClients } from '../../io/aws/clients.js';
import { readCurrentState } from '../../io/aws/read-state.js';
import { readInput } from '../../io/files.js';
import type { Context } from '../context.js';
import { readTrustCa } from '../trust-ca.js';
import { ClusterAccess } from './provision-kube.js';
import { gatherMaterial } from './provision-material.js';

export interface ProvisionOptions {
  file: string;
  kubeconfig?: string;
  context?: string;
  trustCa?: string[];
  adopt?: boolean;
  autoApprove?: boolean;
  parallelism?: number;
  /** plan only: what destroy would do. */
  destroy?: boolean;
}

/** Everything read and decided before anything changes. */
export interface Prepared {
  config: IrsaConfig;
  clients: AwsClients;
  caller: AwsCaller;
  kube: ClusterAccess;
  state: CurrentState;
  /** apply only. */
  material?: ReadonlyMap<string, ClusterMaterial>;
  plan: Plan;
  /** PEM texts of --trust-ca. */
  trustCa: string[];
  /** AWS calls made to read the state (the rest of `caller.calls` are the apply's). */
  readCalls: number;
  close(): void;
}

export async function readConfigFile(file: string): Promise<{ config: IrsaConfig; warnings: string[] }> {
  const text = (await readInput(file, 'irsa.yaml')).toString('utf8');
  return loadConfig(text, { file, dir: dirname(resolve(file)) });
}

export async function prepare(opts: ProvisionOptions, ctx: Context, mode: Plan['mode']): Promise<Prepared> {
  const trustCa = readTrustCa(opts.trustCa);
  const { config, warnings } = await readConfigFile(opts.file);
  const kube = new ClusterAccess(config, opts);
  const clients = await createAwsClients({ region: config.region });
  try {
    const caller = new AwsCaller(clients);
    const [state, material] = await Promise.all([
      readState(config, caller, kube),
      mode === 'apply' ? gatherMaterial(config, kube, { trustCa }) : undefined,
    ]);
    const plan =
      mode === 'apply' && material
        ? planApply(config, state, { material, adopt: Boolean(opts.adopt) })
        : planDestroy(config, state);
    for (const w of mergeWarnings(warnings, [...state.warnings, ...plan.warnings])) ctx.warn(w);
    return {
      config,
      clients,
      caller,
      kube,
      state,
      ...(material ? { material } : {}),
      plan,
      trustCa,
      readCalls: caller.calls,
      close: () => clients.destroy(),
    };
  } catch (e) {
    clients.destroy();
    throw e;
  }
}

/** AWS, S3 and the published files (readCurrentState), and the ServiceAccounts the file annotates. */
async function readState(config: IrsaConfig, caller: AwsCaller, kube: ClusterAccess): Promise<CurrentState> {
  const annotates = config.clusters.some((c) => c.serviceAccounts.some((sa) => sa.annotate));
  const [state, serviceAccounts] = await Promise.all([
    readCurrentState(stateQuery(config), caller),
    annotates ? kube.readServiceAccounts() : undefined,
  ]);
  return serviceAccounts ? { ...state, serviceAccounts } : state;
}

/**
 * The file's warnings (with their line) first, then the reads' and the plan's, each once. A `*` scope is told by
 * both the file (at its line) and the plan (per role): the plan's is dropped when the file told it.
 */
export function mergeWarnings(fromFile: readonly string[], rest: readonly string[]): string[] {
  const fileToldScope = fromFile.some((w) => /\(StringLike\)$/.test(w));
  const kept = rest.filter((w) => !(fileToldScope && /\(StringLike on :sub\)$/.test(w)));
  return [...new Set([...fromFile, ...kept])];
}
