/**
 * What the planner needs per cluster beside the current state (ClusterMaterial): the key set to publish — from the
 * `keys` files, or the cluster's own /openid/v1/jwks (`fromCluster`) — and, for `thumbprints: auto`, the thumbprints
 * of the chain the JWKS host (and the discovery host, when another) serves. A host that cannot be reached is an
 * answer (the planner warns and leaves the thumbprints as IAM has them), never an error or a hang: each probe is
 * bounded by its timeout.
 */
import type { ClusterConfig, IrsaConfig } from '../../core/config/types.js';
import { buildJwks, type Jwks } from '../../core/issuer/jwks.js';
import type { ClusterMaterial } from '../../core/provision/types.js';
import { loadKeyFiles } from '../../io/load-keys.js';
import { probeThumbprints } from '../../io/oidc/thumbprint-probe.js';
import type { ClusterAccess } from './provision-kube.js';

export interface MaterialOptions {
  /** PEM texts of extra CAs (--trust-ca): only whether the chain verifies depends on them, never the thumbprint. */
  trustCa: string[];
  /** Per connection (default the probe's 3 s). */
  probeTimeoutMs?: number;
  /** `false`: key sets only, `thumbprints: auto` not probed (export terraform reaches no host but the cluster). */
  probeThumbprints?: boolean;
}

export async function gatherMaterial(
  config: IrsaConfig,
  kube: ClusterAccess,
  options: MaterialOptions,
): Promise<Map<string, ClusterMaterial>> {
  const entries = await Promise.all(
    config.clusters.map(async (cluster): Promise<[string, ClusterMaterial]> => {
      const [jwks, autoThumbprints] = await Promise.all([
        keySet(cluster, kube),
        cluster.thumbprints === 'auto' && options.probeThumbprints !== false
          ? thumbprints(cluster, options)
          : undefined,
      ]);
      return [cluster.name, { jwks, ...(autoThumbprints ? { autoThumbprints } : {}) }];
    }),
  );
  return new Map(entries);
}

async function keySet(cluster: ClusterConfig, kube: ClusterAccess): Promise<Jwks> {
  if (cluster.keys.from === 'cluster') return kube.clusterJwks(cluster.name);
  return buildJwks(await loadKeyFiles(cluster.keys.paths));
}

async function thumbprints(
  cluster: ClusterConfig,
  options: MaterialOptions,
): Promise<NonNullable<ClusterMaterial['autoThumbprints']>> {
  const probe = await probeThumbprints(
    { issuer: cluster.issuer, jwksUri: cluster.jwksUri },
    { trustCa: options.trustCa, ...(options.probeTimeoutMs ? { timeoutMs: options.probeTimeoutMs } : {}) },
  );
  if ('unreachable' in probe)
    return { ok: false, why: `${cluster.jwksUri} could not be reached: ${probe.unreachable}` };
  if (probe.thumbprints.length === 0) return { ok: false, why: `${cluster.jwksUri} sent no certificate` };
  return { ok: true, thumbprints: probe.thumbprints };
}
