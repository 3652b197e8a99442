import { checkRegion } from '../aws/region.js';
import { E, IrsaError, UsageError } from '../errors.js';
import { SKIP_POD_LABEL } from '../webhook/types.js';
import { checkDnsLabel, checkDnsSubdomain } from './names.js';
import type { CommentedDoc } from './render.js';
import { restrictedContainerSecurityContext } from './security-context.js';
import {
  ACCOUNT_ID,
  type FAILURE_POLICIES,
  FAILURE_POLICY,
  REPLICAS,
  TLS_MODE,
  type TLS_MODES,
} from './webhook-schemas.js';

/**
 * Everything `irsa webhook serve` needs on a cluster, least privilege. deploy/ holds the default rendering as a
 * kustomize base; test/cli/manifests.test.ts keeps the two identical.
 *
 * Choices (documented where they are made):
 * - failurePolicy is what the apiserver does when it cannot reach the webhook; the webhook's own --fail-closed is
 *   what it answers on its internal error. Ignore (default) keeps kube-system in scope; Fail excludes kube-system
 *   and the webhook's namespace so an outage cannot block the pods the cluster needs to recover.
 * - reinvocationPolicy IfNeeded: when a later webhook adds containers (sidecar injectors), the apiserver calls us
 *   again so those get the env and mounts too; the mutation is idempotent, so a second call is harmless.
 * - objectSelector: the webhook's own pods are never sent (they could not be admitted while it is down), nor pods
 *   labelled with the EKS opt-out key (eks.amazonaws.com/skip-pod-identity-webhook, any value, as upstream) or
 *   irsa-anywhere.io/inject: "false".
 */
export const WEBHOOK_NAME = 'irsa-webhook';
export const WEBHOOK_TLS_SECRET = 'irsa-webhook-tls';
export const WEBHOOK_QUALIFIED_NAME = 'pod-identity.irsa-anywhere.io';
export const OPT_OUT_LABEL = 'irsa-anywhere.io/inject';
export const HTTPS_PORT = 8443;
export const METRICS_PORT = 9999;
const CERT_DIR = '/etc/webhook/certs';
const APP_LABEL = 'app.kubernetes.io/name';

export type FailurePolicy = (typeof FAILURE_POLICIES)[number];
export type TlsMode = (typeof TLS_MODES)[number];

export interface WebhookManifestsInput {
  namespace?: string;
  image?: string;
  replicas?: number;
  failurePolicy?: FailurePolicy;
  tls?: TlsMode;
  /** files mode: base64 of the CA certificate that signed the serving certificate. */
  caBundle?: string;
  /** `serve --aws-default-region`: the region pods get when their ServiceAccount names none. */
  region?: string;
  /** `serve --compose-role-arn --aws-account-id`: role-arn annotations may hold role names of this account. */
  composeRoleArnAccount?: string;
  /** Set when `region` was not given but taken from this environment variable (then a warning says so). */
  regionFromEnvironment?: string;
  /** files mode: the Secret holding tls.crt and tls.key (default irsa-webhook-tls). */
  tlsSecretName?: string;
  /** `serve --annotation-prefix`, `--token-audience`, `--token-expiration`: passed only when given. */
  annotationPrefix?: string;
  tokenAudience?: string;
  tokenExpiration?: string | number;
}

export const WEBHOOK_DEFAULTS = {
  namespace: 'irsa-webhook',
  image: 'ghcr.io/irsa-anywhere/irsa-anywhere:0.1.0',
  replicas: 2,
  failurePolicy: 'Ignore' as FailurePolicy,
  tls: 'self-managed' as TlsMode,
};

export interface WebhookManifestsResult {
  docs: CommentedDoc[];
  /** Explanations for stderr (the reason for the kube-system rule, TLS follow-ups). */
  notes: string[];
  warnings: string[];
}

export function buildWebhookManifests(input: WebhookManifestsInput = {}): WebhookManifestsResult {
  const o = resolvedInput(input);
  const labels = {
    [APP_LABEL]: WEBHOOK_NAME,
    'app.kubernetes.io/part-of': 'irsa-anywhere',
    'app.kubernetes.io/component': 'pod-identity-webhook',
  };
  const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: o.ns } : {}), labels });
  const warnings: string[] = [];
  if (o.replicas < 2) {
    warnings.push(
      '--replicas 1: no PodDisruptionBudget (it would block every node drain); pods created while the only replica restarts are not mutated',
    );
  }
  if (o.regionFromEnvironment && input.region) {
    warnings.push(
      `the Deployment injects region ${input.region} (from $${o.regionFromEnvironment}) into pods whose ServiceAccount ` +
        "names none; pass --region to choose another, or --region '' for none",
    );
  }
  const docs: CommentedDoc[] = [
    namespaceDoc(o.ns, labels),
    { object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(WEBHOOK_NAME) } },
    ...rbac(o.ns, o.tls, meta),
    ...(o.tls === 'cert-manager' ? certManager(o.ns, meta) : []),
    { comment: deploymentComment(o.tls), object: deployment(o, labels, meta, input) },
    ...(o.replicas >= 2 ? [disruptionBudget(meta)] : []),
    serviceDoc(meta),
    mutatingWebhook(o.ns, o.failurePolicy, o.tls, input.caBundle, labels),
  ];
  return { docs, notes: notesFor(o, input.caBundle), warnings };
}

/** The input with its defaults, checked. */
interface ResolvedInput {
  ns: string;
  image: string;
  replicas: number;
  failurePolicy: FailurePolicy;
  tls: TlsMode;
  /** The environment variable the region came from, when it was not given. */
  regionFromEnvironment?: string;
}

function resolvedInput(input: WebhookManifestsInput): ResolvedInput {
  const o: ResolvedInput = {
    ns: input.namespace ?? WEBHOOK_DEFAULTS.namespace,
    image: input.image ?? WEBHOOK_DEFAULTS.image,
    replicas: input.replicas ?? WEBHOOK_DEFAULTS.replicas,
    failurePolicy: input.failurePolicy ?? WEBHOOK_DEFAULTS.failurePolicy,
    tls: input.tls ?? WEBHOOK_DEFAULTS.tls,
    regionFromEnvironment: input.regionFromEnvironment,
  };
  checkDnsLabel(o.ns, '--namespace');
  if (!o.image.trim() || /\s/.test(o.image))
    throw new IrsaError(E.ERR_IMAGE, `--image must be an image reference, got: ${o.image}`);
  if (!REPLICAS.safeParse(o.replicas).success) {
    throw new IrsaError(E.ERR_REPLICAS, `--replicas must be a whole number >= 1, got: ${o.replicas}`);
  }
  if (!FAILURE_POLICY.safeParse(o.failurePolicy).success) {
    throw new IrsaError(E.ERR_FAILURE_POLICY, `--failure-policy must be Ignore or Fail, got: ${o.failurePolicy}`);
  }
  if (!TLS_MODE.safeParse(o.tls).success) {
    throw new IrsaError(E.ERR_TLS_MODE, `--tls must be self-managed, cert-manager or files, got: ${o.tls}`);
  }
  if (input.caBundle !== undefined && o.tls !== 'files') {
    throw new UsageError('--ca-bundle-file only applies to --tls files');
  }
  if (input.region !== undefined) checkRegion(input.region, '--region');
  if (input.tlsSecretName !== undefined) checkDnsSubdomain(input.tlsSecretName, 'the TLS Secret name');
  if (input.composeRoleArnAccount !== undefined && !ACCOUNT_ID.safeParse(input.composeRoleArnAccount).success) {
    throw new IrsaError(E.ERR_ACCOUNT_ID, `--aws-account-id must be 12 digits, got: ${input.composeRoleArnAccount}`);
  }
  return o;
}

function namespaceDoc(ns: string, labels: Record<string, string>): CommentedDoc {
  return {
    comment: 'irsa-anywhere pod identity webhook. The namespace enforces the restricted Pod Security profile.',
    object: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'restricted' },
      },
    },
  };
}

function disruptionBudget(meta: Meta): CommentedDoc {
  return {
    comment: 'Keeps one replica serving through node drains and upgrades.',
    object: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(WEBHOOK_NAME),
      spec: { minAvailable: 1, selector: { matchLabels: { [APP_LABEL]: WEBHOOK_NAME } } },
    },
  };
}

function serviceDoc(meta: Meta): CommentedDoc {
  return {
    object: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(WEBHOOK_NAME),
      spec: {
        type: 'ClusterIP',
        selector: { [APP_LABEL]: WEBHOOK_NAME },
        ports: [
          { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
          { name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' },
        ],
      },
    },
  };
}

/** Explanations for stderr: the failure policy's reach and what the TLS mode needs next. */
function notesFor(o: ResolvedInput, caBundle: string | undefined): string[] {
  const { ns } = o;
  const notes: string[] = [];
  if (o.failurePolicy === 'Fail') {
    notes.push(
      `failurePolicy Fail: namespaces kube-system and ${ns} are excluded, so an unreachable webhook can neither block ` +
        'the pods the cluster needs to recover (CoreDNS, CNI, controllers) nor its own pods. Workloads in ' +
        'kube-system that need AWS credentials must mount the token themselves (irsa manifests workload).',
    );
  } else {
    notes.push(
      'failurePolicy Ignore: kube-system stays included (controllers such as the AWS load balancer controller run ' +
        'there and need credentials); if the webhook is unreachable, pods are created unmutated — find them with ' +
        'irsa webhook check.',
    );
  }
  notes.push(
    '--failure-policy is what the apiserver does when it cannot reach the webhook; `irsa webhook serve --fail-closed` ' +
      'is what the webhook answers on its own internal error (default: allow the pod unmutated, with a warning).',
  );
  return [...notes, ...tlsNotes(o.tls, ns, caBundle)];
}

function tlsNotes(tls: TlsMode, ns: string, caBundle: string | undefined): string[] {
  if (tls === 'self-managed') {
    return [
      `TLS self-managed: the webhook keeps its CA and certificate in Secret ${ns}/${WEBHOOK_TLS_SECRET}, injects the ` +
        `caBundle into MutatingWebhookConfiguration ${WEBHOOK_NAME} and rotates before expiry. Until the first replica ` +
        'is ready the configuration has no caBundle: wait for kubectl -n ' +
        `${ns} rollout status deploy/${WEBHOOK_NAME} before creating workloads.`,
    ];
  }
  if (tls === 'cert-manager') {
    return [
      `TLS cert-manager: needs cert-manager (with its cainjector) installed; it issues Secret ${ns}/${WEBHOOK_TLS_SECRET} ` +
        'and injects the caBundle, and the webhook reloads the renewed certificate from disk.',
    ];
  }
  const notes = [
    `TLS files: create the Secret first: irsa webhook certs --service ${WEBHOOK_NAME} --namespace ${ns} --out-dir certs && ` +
      `kubectl -n ${ns} create secret tls ${WEBHOOK_TLS_SECRET} --cert certs/tls.crt --key certs/tls.key`,
  ];
  if (caBundle === undefined) {
    notes.push(
      'The caBundle is not set (pass --ca-bundle-file certs/ca.crt, or patch it in after applying): ' +
        `kubectl patch mutatingwebhookconfiguration ${WEBHOOK_NAME} --type=json -p ` +
        `'[{"op":"add","path":"/webhooks/0/clientConfig/caBundle","value":"'"$(base64 -w0 certs/ca.crt)"'"}]'`,
    );
  }
  return notes;
}

type Meta = (name: string, namespaced?: boolean) => Record<string, unknown>;

function rbac(ns: string, tls: TlsMode, meta: Meta): CommentedDoc[] {
  const clusterRules: Array<Record<string, unknown>> = [
    { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list', 'watch'] },
  ];
  if (tls === 'self-managed') {
    clusterRules.push({
      apiGroups: ['admissionregistration.k8s.io'],
      resources: ['mutatingwebhookconfigurations'],
      resourceNames: [WEBHOOK_NAME],
      verbs: ['get', 'update', 'patch'],
    });
  }
  const subjects = [{ kind: 'ServiceAccount', name: WEBHOOK_NAME, namespace: ns }];
  const docs: CommentedDoc[] = [
    {
      comment:
        'Reads ServiceAccounts cluster-wide (their annotations say which role a pod gets)' +
        (tls === 'self-managed' ? ' and injects the caBundle into its own MutatingWebhookConfiguration only.' : '.'),
      object: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: meta(WEBHOOK_NAME, false),
        rules: clusterRules,
      },
    },
    {
      object: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: meta(WEBHOOK_NAME, false),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: WEBHOOK_NAME },
        subjects,
      },
    },
  ];
  if (tls === 'self-managed') {
    docs.push(
      {
        comment:
          `Its own TLS Secret only. "create" cannot be limited by resourceNames (the name is not known before the ` +
          `object exists), so it allows creating any Secret in ${ns} — a namespace that holds nothing else.`,
        object: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: meta(WEBHOOK_NAME),
          rules: [
            {
              apiGroups: [''],
              resources: ['secrets'],
              resourceNames: [WEBHOOK_TLS_SECRET],
              verbs: ['get', 'watch', 'update', 'patch'],
            },
            { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
          ],
        },
      },
      {
        object: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: meta(WEBHOOK_NAME),
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: WEBHOOK_NAME },
          subjects,
        },
      },
    );
  }
  return docs;
}

function certManager(ns: string, meta: Meta): CommentedDoc[] {
  const svc = WEBHOOK_NAME;
  return [
    {
      comment:
        'cert-manager issues the serving certificate; its cainjector copies the CA into the webhook configuration.',
      object: {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Issuer',
        metadata: meta(`${WEBHOOK_NAME}-selfsigned`),
        spec: { selfSigned: {} },
      },
    },
    {
      object: {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: meta(WEBHOOK_NAME),
        spec: {
          secretName: WEBHOOK_TLS_SECRET,
          dnsNames: [svc, `${svc}.${ns}`, `${svc}.${ns}.svc`, `${svc}.${ns}.svc.cluster.local`],
          duration: '8760h',
          renewBefore: '720h',
          privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
          issuerRef: { name: `${WEBHOOK_NAME}-selfsigned`, kind: 'Issuer' },
        },
      },
    },
  ];
}

/** Flags of `irsa webhook serve` (src/cli/groups/webhook.ts); everything else keeps its default. */
export function webhookServeArgs(ns: string, tls: TlsMode, aws: WebhookServeAws = {}): string[] {
  const args = [`--port=${HTTPS_PORT}`, `--metrics-port=${METRICS_PORT}`];
  if (aws.region) args.push(`--aws-default-region=${aws.region}`);
  if (aws.composeRoleArnAccount) args.push('--compose-role-arn', `--aws-account-id=${aws.composeRoleArnAccount}`);
  if (aws.annotationPrefix) args.push(`--annotation-prefix=${aws.annotationPrefix}`);
  if (aws.tokenAudience) args.push(`--token-audience=${aws.tokenAudience}`);
  if (aws.tokenExpiration !== undefined) args.push(`--token-expiration=${aws.tokenExpiration}`);
  if (tls === 'self-managed') {
    args.push(
      '--tls-self-managed',
      `--tls-secret=${ns}/${WEBHOOK_TLS_SECRET}`,
      `--webhook-config=${WEBHOOK_NAME}`,
      `--service-name=${WEBHOOK_NAME}`,
      `--service-namespace=${ns}`,
    );
  } else {
    args.push(`--tls-cert=${CERT_DIR}/tls.crt`, `--tls-key=${CERT_DIR}/tls.key`);
  }
  return args;
}

function deploymentComment(tls: TlsMode): string {
  return (
    'Two replicas spread over nodes, non-root (65532), read-only root filesystem, no capabilities. ' +
    (tls === 'self-managed'
      ? 'TLS material comes from the Secret the webhook manages itself.'
      : `The serving certificate is mounted from Secret ${WEBHOOK_TLS_SECRET} and reloaded when it changes.`)
  );
}

/** The Secret mounted in files mode (cert-manager always writes irsa-webhook-tls). */
function secretOf(o: ResolvedInput, input: WebhookManifestsInput): string {
  return o.tls === 'files' && input.tlsSecretName ? input.tlsSecretName : WEBHOOK_TLS_SECRET;
}

function deployment(o: ResolvedInput, labels: Record<string, string>, meta: Meta, aws: WebhookManifestsInput) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(WEBHOOK_NAME),
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { [APP_LABEL]: WEBHOOK_NAME } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        // The opt-out label is belt and braces: the objectSelector also excludes these pods by name.
        metadata: { labels: { ...labels, [OPT_OUT_LABEL]: 'false' } },
        spec: {
          serviceAccountName: WEBHOOK_NAME,
          automountServiceAccountToken: true,
          terminationGracePeriodSeconds: 15,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            fsGroup: 65532,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    topologyKey: 'kubernetes.io/hostname',
                    labelSelector: { matchLabels: { [APP_LABEL]: WEBHOOK_NAME } },
                  },
                },
              ],
            },
          },
          containers: [webhookContainer(o, aws)],
          volumes: [
            { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
            ...(o.tls === 'self-managed' ? [] : [{ name: 'certs', secret: { secretName: secretOf(o, aws) } }]),
          ],
        },
      },
    },
  };
}

/** The serve flags a rendering may set besides TLS (each only when given). */
export type WebhookServeAws = Pick<
  WebhookManifestsInput,
  'region' | 'composeRoleArnAccount' | 'annotationPrefix' | 'tokenAudience' | 'tokenExpiration'
>;

function webhookContainer(o: ResolvedInput, aws: WebhookServeAws) {
  const probe = (path: string, period: number) => ({
    httpGet: { path, port: 'https', scheme: 'HTTPS' },
    periodSeconds: period,
    timeoutSeconds: 2,
    failureThreshold: 3,
  });
  return {
    name: 'webhook',
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    args: ['webhook', 'serve', ...webhookServeArgs(o.ns, o.tls, aws)],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ],
    ports: [
      { name: 'https', containerPort: HTTPS_PORT, protocol: 'TCP' },
      { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
    ],
    livenessProbe: probe('/healthz', 10),
    readinessProbe: probe('/readyz', 5),
    resources: {
      requests: { cpu: '50m', memory: '64Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    },
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: [
      { name: 'tmp', mountPath: '/tmp' },
      ...(o.tls === 'self-managed' ? [] : [{ name: 'certs', mountPath: CERT_DIR, readOnly: true }]),
    ],
  };
}

function mutatingWebhook(
  ns: string,
  failurePolicy: FailurePolicy,
  tls: TlsMode,
  caBundle: string | undefined,
  labels: Record<string, string>,
): CommentedDoc {
  const clientConfig: Record<string, unknown> = {
    service: { name: WEBHOOK_NAME, namespace: ns, path: '/mutate', port: 443 },
  };
  if (tls === 'files' && caBundle) clientConfig.caBundle = caBundle;
  const webhook: Record<string, unknown> = {
    name: WEBHOOK_QUALIFIED_NAME,
    admissionReviewVersions: ['v1', 'v1beta1'],
    sideEffects: 'None',
    failurePolicy,
    matchPolicy: 'Equivalent',
    reinvocationPolicy: 'IfNeeded',
    timeoutSeconds: 10,
    clientConfig,
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
    objectSelector: {
      matchExpressions: [
        { key: APP_LABEL, operator: 'NotIn', values: [WEBHOOK_NAME] },
        { key: SKIP_POD_LABEL, operator: 'DoesNotExist' },
        { key: OPT_OUT_LABEL, operator: 'NotIn', values: ['false'] },
      ],
    },
  };
  if (failurePolicy === 'Fail') {
    webhook.namespaceSelector = {
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', ns] }],
    };
  }
  const annotations =
    tls === 'cert-manager' ? { 'cert-manager.io/inject-ca-from': `${ns}/${WEBHOOK_NAME}` } : undefined;
  const caComment =
    tls === 'self-managed'
      ? 'caBundle: injected at runtime by the webhook (--tls-self-managed).'
      : tls === 'cert-manager'
        ? 'caBundle: injected by cert-manager cainjector (annotation cert-manager.io/inject-ca-from).'
        : caBundle
          ? 'caBundle: the CA given with --ca-bundle-file.'
          : 'caBundle: NOT SET — add base64 of the CA certificate at webhooks[0].clientConfig.caBundle (see the note on stderr).';
  return {
    comment:
      `${caComment}\nOpt out a pod with the label ${OPT_OUT_LABEL}: "false" or ${SKIP_POD_LABEL} (any value, as the EKS webhook).\n` +
      `failurePolicy ${failurePolicy}: ` +
      (failurePolicy === 'Fail'
        ? 'pods in kube-system and in the webhook namespace are not sent (namespaceSelector).'
        : 'kube-system stays included.'),
    object: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: WEBHOOK_NAME, labels, ...(annotations ? { annotations } : {}) },
      webhooks: [webhook],
    },
  };
}
