/**
 * The clusters of irsa.yaml as far as provisioning talks to them: a cluster with `fromCluster` is reached through
 * its own kubeconfig and context (missing ones fall back to --kubeconfig / --context, then kubectl's defaults); a
 * cluster with key files through --kubeconfig / --context, needed only when it annotates ServiceAccounts. One
 * connection per cluster, opened when first needed. Reads the ServiceAccounts the file annotates and merges the
 * role ARN annotation into them (the executor's `annotate`).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { IrsaConfig } from '../../core/config/types.js';
import { UsageError } from '../../core/errors.js';
import { buildJwks, type Jwks } from '../../core/issuer/jwks.js';
import { parseKeys } from '../../core/keys/parse.js';
import { type CurrentServiceAccount, serviceAccountKey } from '../../core/provision/types.js';
import { type KubeConnection, kubeGetBytes, loadKubeConfig } from '../../io/kube/client.js';
import { annotateServiceAccount, getServiceAccount } from '../../io/kube/resources.js';

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
}

/** kube-apiserver serves its own key set here, whatever the discovery document's jwks_uri says. */
const CLUSTER_JWKS_PATH = '/openid/v1/jwks';

export class ClusterAccess {
  readonly #config: IrsaConfig;
  readonly #flags: KubeFlags;
  readonly #connections = new Map<string, Promise<KubeConnection>>();

  constructor(config: IrsaConfig, flags: KubeFlags) {
    this.#config = config;
    this.#flags = flags;
    checkOneFlagCluster(config);
  }

  /** The connection of an irsa.yaml cluster (by name), opened once. */
  connection(cluster: string): Promise<KubeConnection> {
    let conn = this.#connections.get(cluster);
    if (!conn) {
      conn = loadKubeConfig(this.#optionsFor(cluster));
      // A failure is told once, by whoever awaits it; the cached promise must not be an unhandled rejection.
      conn.catch(() => undefined);
      this.#connections.set(cluster, conn);
    }
    return conn;
  }

  #optionsFor(cluster: string): KubeFlags {
    const keys = this.#config.clusters.find((c) => c.name === cluster)?.keys;
    if (keys?.from === 'cluster') {
      return {
        kubeconfig: keys.kubeconfig ? expandHome(keys.kubeconfig) : this.#flags.kubeconfig,
        context: keys.context ?? this.#flags.context,
      };
    }
    return { ...this.#flags };
  }

  /** The cluster's own key set (`fromCluster`), as its apiserver serves it. */
  async clusterJwks(cluster: string): Promise<Jwks> {
    const conn = await this.connection(cluster);
    const body = await kubeGetBytes(conn, CLUSTER_JWKS_PATH);
    return buildJwks(parseKeys(body, `cluster ${cluster} (${conn.server}${CLUSTER_JWKS_PATH})`));
  }

  /** Every ServiceAccount the file annotates, by serviceAccountKey(); one that is not there is simply absent. */
  async readServiceAccounts(): Promise<Map<string, CurrentServiceAccount>> {
    const out = new Map<string, CurrentServiceAccount>();
    const reads = this.#config.clusters.flatMap((cluster) =>
      cluster.serviceAccounts
        .filter((sa) => sa.annotate)
        .map(async (sa) => {
          const found = await getServiceAccount(await this.connection(cluster.name), sa.namespace, sa.name);
          if (!found) return;
          const annotations = (found.metadata?.annotations ?? {}) as Record<string, string>;
          out.set(serviceAccountKey(cluster.name, sa.namespace, sa.name), { annotations: { ...annotations } });
        }),
    );
    await Promise.all(reads);
    return out;
  }

  /** The executor's `annotate`: a merge patch of the annotations (null removes one). */
  readonly annotate = async (input: {
    cluster: string;
    namespace: string;
    name: string;
    annotations: Record<string, string | null>;
  }): Promise<void> => {
    const conn = await this.connection(input.cluster);
    await annotateServiceAccount(conn, input.namespace, input.name, input.annotations);
  };
}

/** `~/.kube/config` as kubectl reads it (irsa.yaml keeps `~/` for the shell to expand). */
function expandHome(path: string): string {
  return path.startsWith('~/') ? join(process.env.HOME || homedir(), path.slice(2)) : path;
}

/**
 * --kubeconfig / --context name one cluster: two clusters that annotate ServiceAccounts without `fromCluster`
 * would both be annotated through it, in whichever cluster that is.
 */
function checkOneFlagCluster(config: IrsaConfig): void {
  const viaFlags = config.clusters.filter(
    (c) => c.keys.from !== 'cluster' && c.serviceAccounts.some((sa) => sa.annotate),
  );
  if (viaFlags.length > 1) {
    throw new UsageError(
      `clusters ${viaFlags.map((c) => c.name).join(', ')} annotate ServiceAccounts, but --kubeconfig/--context reach ` +
        'one cluster: give each of them fromCluster in irsa.yaml (its kubeconfig and context)',
    );
  }
}
