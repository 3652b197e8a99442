/**
 * What the readers are asked for, derived from irsa.yaml (the StateQuery of types.ts): every provider URL, role
 * name and cluster of the file, the buckets with the object keys published under each, the files of directory
 * publishing, and whether the account's Block Public Access matters (something is published to S3). The same
 * query serves plan, apply and destroy.
 */
import type { IrsaConfig } from '../config/types.js';
import { rotationStateLocation } from '../rotation/state.js';
import type { StateQuery } from './types.js';

export function stateQuery(config: IrsaConfig): StateQuery {
  const buckets = new Map<string, Set<string>>();
  const files: string[] = [];
  for (const cluster of config.clusters) {
    const t = cluster.publish;
    if (t.kind === 's3') {
      const keys = buckets.get(t.bucket) ?? new Set<string>();
      // The rotation state beside them: apply never undoes a rotation, destroy removes it (rotation-guard.ts).
      keys.add(t.discoveryKey).add(t.jwksKey).add(rotationStateLocation(t).key);
      buckets.set(t.bucket, keys);
    } else {
      files.push(t.discoveryPath, t.jwksPath, rotationStateLocation(t).path);
    }
  }
  return {
    providerUrls: config.clusters.map((c) => c.issuer),
    roleNames: config.roles.map((r) => r.name),
    clusters: config.clusters.map((c) => c.name),
    buckets: [...buckets].map(([name, keys]) => ({ name, keys: [...keys] })),
    files,
    accountPublicAccessBlock: buckets.size > 0,
  };
}
