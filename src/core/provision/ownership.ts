/**
 * What is ours: a role, provider or bucket tagged MANAGED_BY_TAG = MANAGED_BY_VALUE for a cluster of this config
 * (CLUSTER_TAG). Anything else of the same name or URL is someone else's: never changed or deleted, unless adopted.
 */
import { CLUSTER_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE, type Tags } from './types.js';

export type Ownership = 'ours' | 'foreign' | 'other-config';

/** `ours` for one of `clusters`; `other-config`: irsa-anywhere's, for a cluster this config does not name. */
export function ownership(tags: Tags, clusters: readonly string[]): Ownership {
  if (!Object.hasOwn(tags, MANAGED_BY_TAG) || tags[MANAGED_BY_TAG] !== MANAGED_BY_VALUE) return 'foreign';
  return Object.hasOwn(tags, CLUSTER_TAG) && clusters.includes(tags[CLUSTER_TAG]) ? 'ours' : 'other-config';
}

/** The tags of everything created for `cluster`: the config's own, then ours (which win). */
export function managedTags(configTags: Tags, cluster: string, ...more: Tags[]): Tags {
  // fromEntries defines keys (a tag may be called __proto__); later entries win.
  return Object.fromEntries([
    ...Object.entries(configTags),
    ...more.flatMap((t) => Object.entries(t)),
    [MANAGED_BY_TAG, MANAGED_BY_VALUE],
    [CLUSTER_TAG, cluster],
  ]);
}

/** Why a resource is left alone, for a conflict or a warning. */
export function ownershipWords(tags: Tags, what: string): string {
  return tags[MANAGED_BY_TAG] === MANAGED_BY_VALUE
    ? `${what} is managed by irsa-anywhere for cluster ${tags[CLUSTER_TAG] ?? '(none)'}, which this config does not name`
    : `${what} exists and is not tagged ${MANAGED_BY_TAG}=${MANAGED_BY_VALUE}`;
}

/** IAM and S3 tag lists from a record, in key order (stable plans, stable requests). */
export function tagList(tags: Tags): { Key: string; Value: string }[] {
  return Object.keys(tags)
    .sort()
    .map((Key) => ({ Key, Value: tags[Key] }));
}

/** What to set (new or changed values) and what to remove, to go from `current` to `desired`. */
export function tagChanges(current: Tags, desired: Tags): { set: Tags; remove: string[] } {
  const set: Tags = Object.fromEntries(
    Object.entries(desired).filter(([k, v]) => !Object.hasOwn(current, k) || current[k] !== v),
  );
  const remove = Object.keys(current)
    .filter((k) => !Object.hasOwn(desired, k))
    .sort();
  return { set, remove };
}
