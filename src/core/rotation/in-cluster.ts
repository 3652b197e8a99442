/**
 * When the old key may leave the apiservers' own --service-account-key-file: only once no token it signed for the
 * cluster itself is still valid — which AWS's timeline (finish.ts) does not cover. Tokens for the API's own
 * audiences may be extended to a year (--service-account-extend-token-expiration, on by default, for kubelet's
 * `kube-api-access` tokens), and legacy Secret-based tokens never expire. These are what the operator checks.
 */
import { formatDuration } from '../duration.js';
import type { RotationState } from './state.js';
import { isoTime } from './times.js';

/** kube-apiserver's extended expiration for kubelet's API tokens (ExpirationExtensionSeconds: one year). */
export const EXTENDED_TOKEN_SECONDS = 365 * 24 * 3600;

export interface InClusterCheck {
  /** Earliest time by the rules that apply (undefined: no time makes it safe; check instead). */
  safeFrom?: string;
  what: string;
}

export function inClusterChecks(state: RotationState, maxTokenExpirationSeconds: number | undefined): InClusterCheck[] {
  const switched = state.switched ? Date.parse(state.switched.at) : undefined;
  const at = (seconds: number | undefined) =>
    switched !== undefined && seconds !== undefined ? isoTime(switched + seconds * 1000) : undefined;
  const checks: InClusterCheck[] = [
    {
      ...(at(EXTENDED_TOKEN_SECONDS) ? { safeFrom: at(EXTENDED_TOKEN_SECONDS) } : {}),
      what:
        `kubelet's kube-api-access tokens are valid one year (${formatDuration(EXTENDED_TOKEN_SECONDS)}) after they were signed while ` +
        '--service-account-extend-token-expiration is true (the default; --service-account-max-extended-token-expiration ' +
        'bounds it on newer releases): wait until then, or restart every pod started before the switch and watch the ' +
        'apiserver metric serviceaccount_stale_tokens_total (and audit annotation authentication.k8s.io/stale-token) stay flat',
    },
    {
      what:
        'legacy Secret-based tokens (Secrets of type kubernetes.io/service-account-token) never expire: list them ' +
        '(kubectl get secrets -A --field-selector type=kubernetes.io/service-account-token) and recreate every one ' +
        'signed by the old key, after kube-controller-manager --service-account-private-key-file is the new key; ' +
        'serviceaccount_legacy_tokens_total shows whether any are still used',
    },
  ];
  if (maxTokenExpirationSeconds !== undefined) {
    checks.push({
      ...(at(maxTokenExpirationSeconds) ? { safeFrom: at(maxTokenExpirationSeconds) } : {}),
      what: `every other token lives at most maxTokenExpiration ${formatDuration(maxTokenExpirationSeconds)} (--service-account-max-token-expiration)`,
    });
  }
  return checks;
}
