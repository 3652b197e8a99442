import {
  type ResolveServiceAccount,
  resolveServiceAccount,
  type ServiceAccountIdentity,
} from '../core/webhook/resolve.js';
import type { KubeObject, WebhookSettings } from '../core/webhook/types.js';

/**
 * The mutation core's ServiceAccount step (parsed annotations, role ARN verdict, warnings), remembered per
 * ServiceAccount object and settings value. Both are immutable: the ServiceAccount sources hand out a new (frozen)
 * object when a ServiceAccount changes, and the server replaces its settings rather than changing them, so an
 * identity is keyed on exactly what it was computed from. Entries go with their ServiceAccount (WeakMap). Pods
 * without a ServiceAccount object (container-credentials mode) are resolved every time.
 *
 * Worth its weight: measured on the throughput benchmark's pod (see bench/README.md, webhook core).
 */
export function serviceAccountMemo(): ResolveServiceAccount {
  const bySa = new WeakMap<KubeObject, { settings: WebhookSettings; identity: ServiceAccountIdentity }>();
  return (sa, settings) => {
    if (sa === undefined) return resolveServiceAccount(sa, settings);
    const hit = bySa.get(sa);
    if (hit !== undefined && hit.settings === settings) return hit.identity;
    const identity = resolveServiceAccount(sa, settings);
    bySa.set(sa, { settings, identity });
    return identity;
  };
}
