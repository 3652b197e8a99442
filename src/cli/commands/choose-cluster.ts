/** `--cluster NAME`: the cluster of irsa.yaml a command acts on; without it, the file's only cluster. */
import type { ClusterConfig, IrsaConfig } from '../../core/config/types.js';
import { UsageError } from '../../core/errors.js';

export function chooseCluster(config: IrsaConfig, name: string | undefined): ClusterConfig {
  const names = config.clusters.map((c) => c.name);
  if (name === undefined) {
    if (config.clusters.length === 1) return config.clusters[0];
    throw new UsageError(`--cluster is required: ${config.file} has clusters ${names.join(', ')}`);
  }
  const found = config.clusters.find((c) => c.name === name);
  if (!found) throw new UsageError(`--cluster ${name} is not in ${config.file} (it has ${names.join(', ')})`);
  return found;
}
