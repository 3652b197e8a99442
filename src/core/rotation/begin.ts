/**
 * `irsa rotate begin`: publish the JWKS holding the old keys and the new one (and the discovery document whose
 * algorithm list covers both) before any apiserver signs with the new key. Pure: the published JWKS and state, the
 * new key and the time in; the documents to publish and the state to record once they are read back out, or a
 * refusal. Run again with the same key it resumes (same documents, the rotation's old keys kept), and repairs a
 * JWKS changed behind the rotation's back.
 */
import type { ClusterConfig } from '../config/types.js';
import { CONFIG_API_VERSION } from '../config/types.js';
import { E } from '../errors.js';
import { publishedJwk } from '../issuer/jwks.js';
import type { LoadedKey } from '../keys/parse.js';
import type { DesiredDocuments } from '../provision/documents.js';
import { documentsFor, phaseKeys, publishedKeys } from './keysets.js';
import { publishedMismatch } from './published-match.js';
import { type Refusal, refuse } from './refusal.js';
import { type ApiserverInputs, ROTATION_KIND, type RotationState } from './state.js';
import { ceilSecond, type Instant, isoTime } from './times.js';

export interface BeginInput {
  cluster: ClusterConfig;
  /** The rotation state as published (undefined: none yet). */
  state?: RotationState;
  /** The JWKS as published (undefined: nothing published), and where it was read. */
  published?: { jwks: string; where: string };
  newKey: LoadedKey;
  now: Instant;
  marginSeconds: number;
  apiserver: ApiserverInputs;
}

/** The state before its publish time is known (the shell reads the published copy back for it). */
export type BeginDraft = Omit<RotationState, 'bothKeysPublished'>;

export type BeginDecision = { ok: true; documents: DesiredDocuments; draft: BeginDraft; resumed: boolean } | Refusal;

export function decideBegin(input: BeginInput): BeginDecision {
  const { cluster, state, newKey } = input;
  if (state && state.phase !== 'finished') return resumeBegin(input, state);
  if (!input.published) {
    return refuse(E.ERR_ROTATION_STATE, `cluster ${cluster.name}: no JWKS is published to rotate from`, {
      hint: 'publish the current key set first: irsa apply -f irsa.yaml',
    });
  }
  const oldKeys = publishedKeys(input.published.jwks, input.published.where)
    .filter((k) => k.kid !== newKey.kid)
    .map(publishedJwk);
  if (oldKeys.length === 0) {
    return refuse(
      E.ERR_ROTATION_STATE,
      `cluster ${cluster.name}: the new key (kid ${newKey.kid}) is already the only published key: nothing to rotate from`,
    );
  }
  const draft: BeginDraft = {
    apiVersion: CONFIG_API_VERSION,
    kind: ROTATION_KIND,
    cluster: cluster.name,
    issuer: cluster.issuer,
    phase: 'begun',
    oldKeys,
    newKey: publishedJwk(newKey),
    marginSeconds: input.marginSeconds,
    begunAt: { at: isoTime(input.now.ms), source: input.now.source },
    apiserver: input.apiserver,
  };
  return { ok: true, documents: documentsFor(cluster, phaseKeys(draft as RotationState)), draft, resumed: false };
}

/** A rotation in progress: the same new key resumes it (begun), anything else is refused. */
function resumeBegin(input: BeginInput, state: RotationState): BeginDecision {
  const name = input.cluster.name;
  if (state.newKey.kid !== input.newKey.kid) {
    return refuse(
      E.ERR_ROTATION_STATE,
      `cluster ${name}: a rotation to kid ${state.newKey.kid} is in progress (phase ${state.phase}); --new-key is kid ${input.newKey.kid}`,
      { hint: 'finish that rotation first (irsa rotate status shows when), then begin the next one' },
    );
  }
  // Switched, with the JWKS as the rotation published it: nothing to repair, the next step is finish. (Changed
  // behind its back, begin publishes both keys again: the apiservers sign with the new key already.)
  if (state.phase === 'switched' && !publishedMismatch(input.cluster, state, input.published)) {
    return refuse(
      E.ERR_ROTATION_STATE,
      `cluster ${name}: the apiservers already sign with kid ${state.newKey.kid} (switched at ${state.switched?.at}): the next step is finish`,
    );
  }
  const { bothKeysPublished: _, ...draft } = state;
  return { ok: true, documents: documentsFor(input.cluster, phaseKeys(state)), draft, resumed: true };
}

/** The begun state, once the published JWKS was read back: when it was published (by the publisher's clock) and its max-age. */
export function recordBegun(
  draft: BeginDraft,
  observed: { publishedAt: Instant; maxAgeSeconds: number; maxAgeSource: string },
): RotationState {
  return {
    ...draft,
    bothKeysPublished: {
      // Rounded up: a publish time is never recorded earlier than it was.
      at: isoTime(ceilSecond(observed.publishedAt.ms)),
      source: observed.publishedAt.source,
      maxAgeSeconds: observed.maxAgeSeconds,
      maxAgeSource: observed.maxAgeSource,
    },
  };
}
