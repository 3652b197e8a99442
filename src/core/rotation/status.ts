/**
 * `irsa rotate status`: where a rotation stands, what is published, and for each next step whether it is safe at
 * `now`, from when, and why — the same arithmetic the steps themselves use (switched.ts, finish.ts), so status
 * never says "safe" where the step would refuse.
 */
import type { ClusterConfig } from '../config/types.js';
import { formatDuration } from '../duration.js';
import { documentsFor, kidsOf, phaseKeys } from './keysets.js';
import { publishedMismatch } from './published-match.js';
import type { RotationPhase, RotationState } from './state.js';
import { finishSafeFrom } from './finish.js';
import { type InClusterCheck, inClusterChecks } from './in-cluster.js';
import { switchSafeFrom } from './switched.js';
import { describeInstant, type Instant, isoTime } from './times.js';

export interface NextStep {
  step: 'begin' | 'switch-apiservers' | 'switched' | 'finish' | 'remove-old-key-from-apiservers';
  /** ISO 8601 UTC; absent when no time makes it safe (a condition does). */
  safeFrom?: string;
  safeNow: boolean;
  why: string;
}

export interface RotationStatus {
  cluster: string;
  phase: RotationPhase | 'none';
  /** The kids in the published JWKS (undefined: none published or unreadable). */
  publishedKids?: string[];
  /** Whether the published JWKS is the one the phase publishes (undefined without a rotation). */
  publishedAsRecorded?: boolean;
  oldKids?: string[];
  newKid?: string;
  /** Every time the answer reasons from. */
  times: string[];
  next: NextStep[];
  inCluster?: InClusterCheck[];
}

export function rotationStatus(
  cluster: ClusterConfig,
  state: RotationState | undefined,
  published: { jwks: string; where: string; kids?: string[] } | undefined,
  now: Instant,
): RotationStatus {
  const base = { cluster: cluster.name, ...(published?.kids ? { publishedKids: published.kids } : {}) };
  if (!state || state.phase === 'finished') {
    return {
      ...base,
      phase: state ? 'finished' : 'none',
      ...(state ? recorded(cluster, state, published) : {}),
      times: [describeInstant('now', now), ...(state ? stateTimes(state) : [])],
      next: [
        ...(state ? [removeOldKey(state, cluster)] : []),
        { step: 'begin', safeNow: true, why: 'no rotation in progress: irsa rotate begin --new-key FILE starts one' },
      ],
      ...(state ? { inCluster: inClusterChecks(state, cluster.maxTokenExpirationSeconds) } : {}),
    };
  }
  return {
    ...base,
    phase: state.phase,
    ...recorded(cluster, state, published),
    times: [describeInstant('now', now), ...stateTimes(state)],
    next: finishStopped(cluster, state, published)
      ? [
          {
            step: 'finish',
            safeNow: true,
            why: 'finish published its documents and stopped before recording it: run finish again',
          },
        ]
      : publishedMismatch(cluster, state, published)
        ? [republish(state)]
        : state.phase === 'begun'
          ? beginNext(state, now)
          : [finishNext(state, cluster, now)],
  };
}

function recorded(
  cluster: ClusterConfig,
  state: RotationState,
  published: { jwks: string; where: string } | undefined,
) {
  return {
    publishedAsRecorded: publishedMismatch(cluster, state, published) === undefined,
    oldKids: kidsOf(state.oldKeys),
    newKid: state.newKey.kid,
    phaseKids: kidsOf(phaseKeys(state)),
  };
}

function stateTimes(state: RotationState): string[] {
  const p = state.bothKeysPublished;
  return [
    `JWKS with both keys published ${p.at} (${p.source}), Cache-Control max-age ${p.maxAgeSeconds}s (${p.maxAgeSource})`,
    ...(state.switched ? [`switch ${state.switched.at} (${state.switched.source})`] : []),
    ...(state.finished ? [`old key removed ${state.finished.at} (${state.finished.source})`] : []),
  ];
}

/** Switched, and the JWKS is already the new key alone: a finish stopped between its documents and its state. */
function finishStopped(cluster: ClusterConfig, state: RotationState, published: { jwks: string } | undefined): boolean {
  return state.phase === 'switched' && published?.jwks === documentsFor(cluster, [state.newKey]).jwks;
}

/** A JWKS changed behind the rotation: the recorded times mean nothing until begin publishes it again. */
function republish(state: RotationState): NextStep {
  return {
    step: 'begin',
    safeNow: true,
    why: `the published JWKS is not the rotation's: run begin again with the same --new-key (kid ${state.newKey.kid}); it publishes both keys again and the wait starts again`,
  };
}

function beginNext(state: RotationState, now: Instant): NextStep[] {
  const safe = switchSafeFrom(state);
  const why =
    `the JWKS with both keys was published ${state.bothKeysPublished.at} and may be cached ${state.bothKeysPublished.maxAgeSeconds}s: ` +
    'from then on AWS STS verifies the new key';
  return [
    {
      step: 'switch-apiservers',
      safeFrom: isoTime(safe),
      safeNow: now.ms >= safe,
      why: `${why}; switch the signing key one apiserver at a time`,
    },
    {
      step: 'switched',
      safeFrom: isoTime(safe),
      safeNow: now.ms >= safe,
      why: 'record the switch (--at when the last apiserver switched)',
    },
  ];
}

function finishNext(state: RotationState, cluster: ClusterConfig, now: Instant): NextStep {
  const m = cluster.maxTokenExpirationSeconds;
  const safe = finishSafeFrom(state, m);
  if (safe === undefined) {
    return {
      step: 'finish',
      safeNow: false,
      why: 'maxTokenExpiration is not set in irsa.yaml: finish is refused until it is',
    };
  }
  return {
    step: 'finish',
    safeFrom: isoTime(safe),
    safeNow: now.ms >= safe,
    why: `switch ${state.switched?.at} + maxTokenExpiration ${formatDuration(m as number)} + margin ${formatDuration(state.marginSeconds)}: every token the old key signed for AWS has expired and no STS cache should hold it`,
  };
}

function removeOldKey(state: RotationState, cluster: ClusterConfig): NextStep {
  const checks = inClusterChecks(state, cluster.maxTokenExpirationSeconds);
  const latest = checks
    .map((c) => c.safeFrom)
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
  return {
    step: 'remove-old-key-from-apiservers',
    ...(latest ? { safeFrom: latest } : {}),
    safeNow: false,
    why: 'only once no in-cluster token the old key signed is valid: see the in-cluster checks (legacy Secret tokens have no expiry, so no time alone makes it safe)',
  };
}
