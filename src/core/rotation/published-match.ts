/**
 * Whether what is published is what the rotation state says its phase publishes. A JWKS changed behind the
 * rotation's back (by hand, or by `irsa apply` with irsa.yaml's old key list) voids every time the state recorded:
 * the next step is refused until `begin` publishes the documents again (and the wait starts again).
 */
import type { ClusterConfig } from '../config/types.js';
import { E } from '../errors.js';
import { documentsFor, kidsOf, phaseKeys } from './keysets.js';
import { type Refusal, refuse } from './refusal.js';
import type { RotationState } from './state.js';

export function publishedMismatch(
  cluster: ClusterConfig,
  state: RotationState,
  published: { jwks: string; where: string } | undefined,
): Refusal | undefined {
  const expected = documentsFor(cluster, phaseKeys(state)).jwks;
  if (published?.jwks === expected) return undefined;
  const what = published ? 'is not the one the rotation published' : 'is missing';
  return refuse(
    E.ERR_ROTATION_STATE,
    `cluster ${cluster.name}: the published JWKS ${published?.where ?? ''} ${what} (phase ${state.phase}: kids ${kidsOf(phaseKeys(state)).join(', ')})`,
    {
      hint:
        state.phase === 'finished'
          ? 'irsa apply publishes irsa.yaml’s keys: list only the new key there'
          : 'run irsa rotate begin again with the same --new-key: it publishes both keys again and the wait starts again',
    },
  );
}
