/**
 * An apply never undoes a key rotation. `irsa apply` publishes the key set irsa.yaml lists; while `irsa rotate`
 * keeps the old keys and the new one published (phases begun and switched), or the new key once finished, a JWKS
 * without one of them is an outage: apiservers sign with the new key, or tokens the old key signed are still valid.
 * So when the rotation state beside the documents (read like them, as data) says a key must stay published and the
 * JWKS this plan would publish lacks it, the plan holds a conflict that refuses the whole apply (`code`), with what
 * to put in `keys:`. Extra keys are never a conflict: publishing more keys removes nothing.
 */
import type { ClusterConfig } from '../config/types.js';
import { E, IrsaError } from '../errors.js';
import type { PublishedJwk } from '../issuer/jwks.js';
import { phaseKeys } from '../rotation/keysets.js';
import { checkRotationState, type RotationState, rotationStateLocation } from '../rotation/state.js';
import { addConflict, type Planning } from './calls.js';
import type { ClusterMaterial, Plan } from './types.js';

/** Where a cluster's rotation state is among the documents the readers found, and how messages name it. */
export function rotationStateDocument(cluster: ClusterConfig): { key: string; where: string } {
  const loc = rotationStateLocation(cluster.publish);
  if (loc.kind === 'directory') return { key: loc.path, where: loc.path };
  return { key: `${loc.bucket}/${loc.key}`, where: `s3://${loc.bucket}/${loc.key}` };
}

export function planRotationGuard(p: Planning, material: ReadonlyMap<string, ClusterMaterial>): void {
  for (const cluster of p.config.clusters) {
    const jwks = material.get(cluster.name)?.jwks;
    const doc = rotationStateDocument(cluster);
    const text = p.current.documents.get(doc.key)?.body;
    if (!jwks || text === undefined) continue;
    const resource = jwksResource(cluster);
    const read = checkRotationState(text, doc.where, cluster.name);
    if (!read.ok) {
      // Unreadable, nobody can tell which keys must stay: apply waits until it is repaired.
      addConflict(p, {
        plane: 'documents',
        cluster: cluster.name,
        resource,
        message: read.message,
        code: E.ERR_ROTATION_STATE,
        ...(read.hint ? { hint: read.hint } : {}),
      });
      continue;
    }
    const planned = new Set(jwks.keys.map((k) => k.kid));
    const missing = phaseKeys(read.state).filter((k) => !planned.has(k.kid));
    if (missing.length > 0) {
      addConflict(p, {
        plane: 'documents',
        cluster: cluster.name,
        resource,
        message: missingKeysMessage(read.state, missing, doc.where),
        code: E.ERR_ROTATION_KEYS_MISSING,
        hint: keysHint(cluster, read.state),
      });
    }
  }
}

function jwksResource(cluster: ClusterConfig): string {
  const t = cluster.publish;
  return t.kind === 's3' ? `s3://${t.bucket}/${t.jwksKey}` : t.jwksPath;
}

function missingKeysMessage(state: RotationState, missing: PublishedJwk[], where: string): string {
  const named = missing.map((k) => `kid ${k.kid} (${k.kid === state.newKey.kid ? 'the new key' : 'an old key'})`);
  const wanted = phaseKeys(state).map((k) => k.kid);
  const what =
    state.phase === 'finished'
      ? `the new key (kid ${wanted[0]})`
      : `the old key${state.oldKeys.length === 1 ? '' : 's'} and then the new one (kids ${wanted.join(', ')})`;
  return (
    `key rotation in phase ${state.phase} (${where}), and the JWKS irsa.yaml's keys would ` +
    `publish lacks ${named.join(' and ')}: list ${what} in keys:`
  );
}

function keysHint(cluster: ClusterConfig, state: RotationState): string {
  if (cluster.keys.from === 'cluster') {
    return state.phase === 'finished'
      ? "the cluster's /openid/v1/jwks must serve the new key: check the apiservers' --service-account-key-file"
      : "the cluster's /openid/v1/jwks lists both keys once the new public key is on every apiserver (irsa rotate status shows the steps)";
  }
  return state.phase === 'finished'
    ? 'irsa rotate status shows the rotation; docs/rotation.md: irsa.yaml during a rotation'
    : 'e.g. keys: [keys/sa.pub, keys/sa-2027.pub]; irsa rotate status shows the phase (docs/rotation.md)';
}

/** The error an apply refuses with before changing anything, when its plan holds a conflict that refuses it. */
export function applyRefusal(plan: Plan): IrsaError | undefined {
  const c = plan.conflicts.find((x) => x.code !== undefined);
  if (!c?.code) return undefined;
  const message = `cluster ${c.cluster}: ${c.message}; nothing was changed`;
  return new IrsaError(c.code, message, c.hint ? { hint: c.hint } : undefined);
}
