/**
 * `irsa rotate switched --at T`: record that the last apiserver signs with the new key since T. Refused until the
 * JWKS with both keys has been visible for its whole Cache-Control max-age — published at P (the publisher's
 * clock), cached by AWS STS for at most max-age, so from P + max-age every reader has the new key — and for a
 * T after the time the decision is made (`now`): a switch is recorded once it happened.
 */
import type { ClusterConfig } from '../config/types.js';
import { E } from '../errors.js';
import { publishedMismatch } from './published-match.js';
import { type Refusal, refuse } from './refusal.js';
import type { RotationState } from './state.js';
import { ceilSecond, type Instant, isoTime } from './times.js';

export interface SwitchedInput {
  cluster: ClusterConfig;
  state: RotationState | undefined;
  published?: { jwks: string; where: string };
  /** When the last apiserver started signing with the new key. */
  at: Instant;
  /** The time the decision is made at. */
  now: Instant;
}

export type SwitchedDecision = { ok: true; state: RotationState; unchanged: boolean } | Refusal;

/** P + max-age: from then on no cache holds a JWKS without the new key. */
export function switchSafeFrom(state: RotationState): number {
  return Date.parse(state.bothKeysPublished.at) + state.bothKeysPublished.maxAgeSeconds * 1000;
}

export function publishedInstant(state: RotationState): Instant {
  const p = state.bothKeysPublished;
  return { ms: Date.parse(p.at), source: p.source };
}

export function decideSwitched(input: SwitchedInput): SwitchedDecision {
  const { state, cluster, at, now } = input;
  if (!state || state.phase === 'finished') {
    return refuse(E.ERR_ROTATION_STATE, `cluster ${cluster.name}: no rotation is in progress`, {
      hint: 'irsa rotate begin -f irsa.yaml --cluster NAME --new-key FILE',
    });
  }
  if (state.phase === 'switched') {
    if (state.switched && Date.parse(state.switched.at) === ceilSecond(at.ms)) {
      return { ok: true, state, unchanged: true };
    }
    return refuse(
      E.ERR_ROTATION_STATE,
      `cluster ${cluster.name}: the switch is already recorded at ${state.switched?.at}; the next step is finish`,
    );
  }
  const mismatch = publishedMismatch(cluster, state, input.published);
  if (mismatch) return mismatch;
  const published = publishedInstant(state);
  const maxAge = `${state.bothKeysPublished.maxAgeSeconds}s (${state.bothKeysPublished.maxAgeSource})`;
  const times: [string, Instant][] = [
    ['JWKS with both keys published', published],
    ['switch', at],
    ['now', now],
  ];
  if (at.ms > now.ms) {
    return refuse(
      E.ERR_ROTATION_NOT_YET,
      `the switch time ${isoTime(at.ms)} is after now: record a switch once it happened`,
      {
        earliestSafeMs: at.ms,
        times,
      },
    );
  }
  const safeFrom = switchSafeFrom(state);
  if (at.ms < safeFrom) {
    return refuse(
      E.ERR_ROTATION_NOT_YET,
      `cluster ${cluster.name}: the JWKS with both keys has not been visible for its cache lifetime (max-age ${maxAge}) at the switch time: AWS STS may still hold a JWKS without kid ${state.newKey.kid}`,
      {
        earliestSafeMs: safeFrom,
        times,
        hint: 'switch the apiservers’ signing key no earlier than the earliest safe time, then record it (a later --at is always safe)',
      },
    );
  }
  const recorded: RotationState = {
    ...state,
    phase: 'switched',
    switched: {
      // Rounded up: the old key's last token is never thought older than it is.
      at: isoTime(ceilSecond(at.ms)),
      source: at.source,
      recordedAt: { at: isoTime(now.ms), source: now.source },
    },
  };
  return { ok: true, state: recorded, unchanged: false };
}
