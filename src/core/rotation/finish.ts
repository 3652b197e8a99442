/**
 * `irsa rotate finish`: remove the old key from the published JWKS once no token it signed for AWS can still be
 * valid. The last such token was signed at the switch S at the latest and lives at most the apiserver's
 * --service-account-max-token-expiration M (tokens for AWS's audience are never extended); AWS STS may then still
 * verify with a JWKS it cached, for a time it does not publish, so the margin G is added: safe from S + M + G.
 * Refused when M is not stated in irsa.yaml. Run again once finished, it publishes the same documents again; run
 * after a finish killed between its documents and its state, it records the state.
 */
import type { ClusterConfig } from '../config/types.js';
import { formatDuration } from '../duration.js';
import { E } from '../errors.js';
import type { DesiredDocuments } from '../provision/documents.js';
import { documentsFor } from './keysets.js';
import { publishedMismatch } from './published-match.js';
import { type Refusal, refuse } from './refusal.js';
import type { RotationState } from './state.js';
import { type Instant, isoTime } from './times.js';

export interface FinishInput {
  cluster: ClusterConfig;
  state: RotationState | undefined;
  published?: { jwks: string; where: string };
  now: Instant;
}

export type FinishDecision = { ok: true; documents: DesiredDocuments; state: RotationState } | Refusal;

/** S + M + G, or undefined before the switch is recorded or without M. */
export function finishSafeFrom(
  state: RotationState,
  maxTokenExpirationSeconds: number | undefined,
): number | undefined {
  if (!state.switched || maxTokenExpirationSeconds === undefined) return undefined;
  return Date.parse(state.switched.at) + (maxTokenExpirationSeconds + state.marginSeconds) * 1000;
}

export function decideFinish(input: FinishInput): FinishDecision {
  const { state, cluster, now } = input;
  if (!state) {
    return refuse(E.ERR_ROTATION_STATE, `cluster ${cluster.name}: no rotation is in progress`);
  }
  if (state.phase === 'finished') {
    // Finished already (a run killed after the state was written, or a second job): the same documents again.
    return { ok: true, documents: documentsFor(cluster, [state.newKey]), state };
  }
  if (state.phase === 'begun' || !state.switched) {
    return refuse(
      E.ERR_ROTATION_STATE,
      `cluster ${cluster.name}: the switch to kid ${state.newKey.kid} is not recorded: run irsa rotate switched once every apiserver signs with the new key`,
    );
  }
  const m = cluster.maxTokenExpirationSeconds;
  if (m === undefined) {
    return refuse(
      E.ERR_ROTATION_LIFETIME_UNKNOWN,
      `cluster ${cluster.name}: maxTokenExpiration is not set in irsa.yaml, so no time is known after which every token the old key signed has expired`,
      { hint: "set clusters[].maxTokenExpiration to the apiserver's --service-account-max-token-expiration" },
    );
  }
  const documents = documentsFor(cluster, [state.newKey]);
  // A finish killed after its documents and before its state: they are out already; only the record is missing.
  const resumed = input.published?.jwks === documents.jwks;
  const mismatch = resumed ? undefined : publishedMismatch(cluster, state, input.published);
  if (mismatch) return mismatch;
  const safeFrom = finishSafeFrom(state, m) as number;
  const switchedAt: Instant = { ms: Date.parse(state.switched.at), source: state.switched.source };
  if (now.ms < safeFrom && !resumed) {
    return refuse(
      E.ERR_ROTATION_NOT_YET,
      `cluster ${cluster.name}: a token the old key signed may still be valid for AWS: switch + maxTokenExpiration ${formatDuration(m)} (irsa.yaml) + margin ${formatDuration(state.marginSeconds)} (recorded at begin) is not past`,
      {
        earliestSafeMs: safeFrom,
        times: [
          ['switch', switchedAt],
          ['now', now],
        ],
      },
    );
  }
  const finished: RotationState = {
    ...state,
    phase: 'finished',
    finished: { at: isoTime(now.ms), source: now.source, maxTokenExpirationSeconds: m },
  };
  return { ok: true, documents, state: finished };
}
