/**
 * The pure mutation core: Pod + its ServiceAccount + settings → minimal JSONPatch, warnings, skip reason. Shaped as
 * the EKS webhook's: resolve what this pod gets (resolve.ts) → build the patch as ops (build-patch.ts); the server
 * encodes it. No state is kept between calls: a memo of the ServiceAccount step, if any, is handed in by the caller
 * (`resolveServiceAccount`, src/webhook/identity-memo.ts).
 *
 * It reproduces the EKS pod identity webhook (aws/amazon-eks-pod-identity-webhook @ 3bf80a34): same annotations,
 * defaults and limits, same two modes (container credentials for listed ServiceAccounts wins over role-arn), same
 * env rules and order, same volume and mount, same Windows token path; every upstream conformance case gives the
 * same resulting pod. Where upstream is wrong we deliberately differ; each point is tested in
 * test/core/webhook-mutate.test.ts:
 *
 * (a) Minimal patches. Upstream re-serialises and replaces `/spec/containers` (and initContainers) on every call,
 *     dropping fields its Go types do not know (gRPC probes #165, sidecar `restartPolicy` #208, #84, #114). We emit
 *     only `add` ops for the env entries, mounts, volume (and label) we add, so nothing else is ever rewritten.
 * (b) Invalid role ARNs are not injected. Upstream logs a warning and injects the value anyway, so the pod starts
 *     and fails at AssumeRoleWithWebIdentity. We skip the pod with an admission warning naming the annotation.
 * (c) Idempotent. A pod that already carries the volume, mounts and env gets an empty patch (upstream always
 *     returns a containers op), so reinvocation or a second webhook pass changes nothing.
 * (d) envFrom. The ConfigMaps/Secrets behind `envFrom` are not visible to an admission webhook (reading them would
 *     need cluster-wide Secret access), and Kubernetes gives `env` precedence over `envFrom`: an injected
 *     AWS_REGION shadows one from a ConfigMap (#248). We still inject (as upstream: a pod without region or
 *     credentials is worse), but warn, naming the containers; the fix is to set the variable under `env` (never
 *     overwritten) or to use the per-ServiceAccount region (f).
 * (e) Token readability for non-root containers. Since Kubernetes 1.19 the kubelet makes the projected token
 *     readable without help (fsGroup → group-readable; all containers one runAsUser → owned by it; else 0644), so
 *     by default we do not touch securityContext (fsGroup triggers a recursive chown of every volume). Operators on
 *     older kubelets or with restrictive setups opt in with `settings.tokenFsGroup`: mutated Linux pods without an
 *     fsGroup get that one (#8, PR #86 asked for exactly this).
 * (f) Per-ServiceAccount region: `<prefix>/region` on the ServiceAccount overrides `--aws-default-region`
 *     (#149, #238). A region whose partition differs from the role ARN's draws a warning (GovCloud vs commercial).
 * (g) Windows: besides upstream's nodeSelector we also honour `spec.os.name: windows` and a required node affinity
 *     pinning `kubernetes.io/os` to windows (upstream's README says affinity is unsupported).
 * (h) Limits: token-expiration is clamped to [600, 86400] (upstream only raises to 600; values over 2^32 made the
 *     apiserver reject the pod) and every ignored or adjusted annotation value becomes a warning, as do near-miss
 *     annotation keys (`eks.amazon.com/role-arn`, #200), ServiceAccounts with audience/expiration but no role
 *     (#109), pod-only annotations on the ServiceAccount (#93) and SA-only annotations on the pod.
 * (i) skip-containers also matches trimmed names (`"a, b"` skips `b`; upstream only ` b`, which no container has).
 * (j) An empty `<prefix>/audience` falls back to the default audience (upstream projects an apiserver-audience token
 *     that STS always rejects). In container-credentials mode without a ServiceAccount, the flags' STS and
 *     expiration defaults apply (upstream hard-codes false/86400 there).
 * (k) Pods labelled `eks.amazonaws.com/skip-pod-identity-webhook` are skipped here too, not only by the
 *     objectSelector (which a hand-written MutatingWebhookConfiguration may lack).
 * (l) `settings.composeRoleArn` (upstream's --compose-role-arn) composes role names into ARNs from a configured
 *     account and partition; upstream reads them from EC2 IMDS, which clusters off EC2 do not have.
 * (m) Never a pod the apiserver refuses: a container that already mounts another volume at the token path keeps its
 *     mount and gets the env only, with a warning naming it (upstream adds a second mount: "mountPath must be
 *     unique"). Annotation values are parsed within bounds and every echoed value is clipped (clip.ts).
 */
import { buildPatch } from './build-patch.js';
import { type ResolveOptions, resolvePod } from './resolve.js';
import type { KubeObject, MutationResult, WebhookSettings } from './types.js';

export { podServiceAccountName } from './resolve.js';

export type MutateOptions = ResolveOptions;

export function mutatePod(
  pod: KubeObject,
  serviceAccount: KubeObject | undefined,
  settings: WebhookSettings,
  options: MutateOptions = {},
): MutationResult {
  const plan = resolvePod(pod, serviceAccount, settings, options);
  if (plan.mode === undefined) return { patch: [], warnings: plan.warnings, skipped: plan.skipped };
  const { ops, warnings } = buildPatch(pod, plan);
  if (ops.length === 0) return { patch: ops, warnings, skipped: 'already mutated: nothing to add', mode: plan.mode };
  return { patch: ops, warnings, mode: plan.mode };
}
