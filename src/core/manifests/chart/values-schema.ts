/**
 * The Helm chart's values (charts/irsa-anywhere/values.yaml), as a zod schema: values.schema.json is generated from
 * it (z.toJSONSchema), so `helm install` refuses a wrong type, an unknown field or an unknown tls.mode before any
 * template runs. The webhook settings reuse the schemas `irsa webhook manifests` checks its flags with
 * (../webhook-schemas.ts). Each description becomes a comment in values.yaml and a row of the chart README's table.
 */
import { z } from 'zod';
import { ACCOUNT_ID, DNS_SUBDOMAIN, FAILURE_POLICY, REGION, REPLICAS, TOKEN_EXPIRATION } from '../webhook-schemas.js';

/** The chart's TLS modes: the renderer's, with `files` named `secret` (a Secret you create, mounted as files). */
export const CHART_TLS_MODES = ['self-managed', 'cert-manager', 'secret'] as const;

/** A Kubernetes object passed through as written (its own schema is the API server's). */
const k8sObject = z.record(z.string(), z.unknown());
const k8sList = z.array(k8sObject);
const stringMap = z.record(z.string(), z.string());
const d = <T extends z.ZodType>(schema: T, description: string): T => schema.meta({ description }) as T;

/** A label selector, added to the webhook's own (it never replaces them: the webhook's pods must stay excluded). */
const selector = z.strictObject({
  matchLabels: stringMap.optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: z.string().min(1),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

const imageSchema = z.strictObject({
  registry: d(z.string().regex(/^[^\s/]*(\/[^\s/]+)*$/), 'Registry host (and path); empty: none.'),
  repository: d(z.string().regex(/^[a-z0-9]+([._/-][a-z0-9]+)*$/), 'Image repository under the registry.'),
  tag: d(z.string().regex(/^([\w][\w.-]{0,127})?$/), "Image tag; empty: the chart's appVersion."),
  digest: d(
    z.string().regex(/^(sha256:[a-f0-9]{64})?$/),
    'Image digest (sha256:…); when set it is used instead of the tag (air-gapped mirrors, pinning).',
  ),
  pullPolicy: d(z.enum(['Always', 'IfNotPresent', 'Never']), 'imagePullPolicy of the webhook container.'),
});

const webhookSchema = z.strictObject({
  failurePolicy: d(
    FAILURE_POLICY,
    'What the API server does when it cannot reach the webhook. Fail also excludes kube-system and the release namespace.',
  ),
  namespaceSelector: d(
    selector,
    'Added to the built-in namespace selector (with Fail: not kube-system, not the release namespace).',
  ),
  objectSelector: d(
    selector,
    "Added to the built-in object selector (not the webhook's own pods, not opted-out pods).",
  ),
  annotationPrefix: d(DNS_SUBDOMAIN, 'ServiceAccount and pod annotation prefix (`serve --annotation-prefix`).'),
  tokenAudience: d(z.string().regex(/^\S+$/), 'Audience of the projected token (`serve --token-audience`).'),
  tokenExpiration: d(
    TOKEN_EXPIRATION,
    'Default token lifetime: seconds, or 24h, 90m, 3600s (`serve --token-expiration`).',
  ),
  defaultRegion: d(
    z.union([z.literal(''), REGION]),
    'Region injected into pods whose ServiceAccount names none (`serve --aws-default-region`); empty: none.',
  ),
  composeRoleArn: z.strictObject({
    enabled: d(z.boolean(), 'A role-arn annotation may hold a role name of accountId (`serve --compose-role-arn`).'),
    accountId: d(
      z.union([z.literal(''), ACCOUNT_ID]),
      'The 12-digit account for composeRoleArn (required when enabled).',
    ),
  }),
});

const tlsSchema = z.strictObject({
  mode: d(
    z.enum(CHART_TLS_MODES),
    'self-managed: the webhook keeps its CA and certificate in a Secret and injects the caBundle; cert-manager: an Issuer and a Certificate (needs cert-manager); secret: a kubernetes.io/tls Secret you create (secretName).',
  ),
  secretName: d(DNS_SUBDOMAIN, 'secret mode: the Secret with tls.crt and tls.key.'),
  caBundle: d(
    z.string().regex(/^[A-Za-z0-9+/=]*$/),
    'secret mode: base64 of the CA certificate that signed it, put in the webhook configuration; empty: patch it in yourself.',
  ),
});

/** `irsa issuer watch` as its own Deployment (`irsa issuer watch manifests`), with its PrometheusRule. */
const monitorSchema = z.strictObject({
  enabled: d(
    z.boolean(),
    'Deploy `irsa issuer watch` (one replica of its own, least-privilege RBAC, a metrics Service on 9090): the objects of `irsa issuer watch manifests`.',
  ),
  issuer: d(
    z.string().regex(/^(https:\/\/[^\s"\\]+)?$/),
    'The issuer URL the watch checks (`--issuer`, https://…); required when monitor.enabled.',
  ),
  intervalSeconds: d(
    z.number().int().min(1).max(86400),
    'Seconds between passes (`--interval`); the IrsaMonitorDown alert allows three.',
  ),
  canaryRole: d(
    z.string().regex(/^(arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+)?$/),
    'STS canary role ARN, a role with no permissions (`--canary-role`); empty: no canary.',
  ),
  awsSecret: d(
    z.union([z.literal(''), DNS_SUBDOMAIN]),
    'A Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY that do not depend on this issuer, for the IAM checks and the canary; empty: they warn that they cannot run.',
  ),
  prometheusRule: z.strictObject({
    enabled: d(
      z.boolean(),
      'The PrometheusRule with the issuer alerts (with monitor.enabled; needs the prometheus-operator CRD).',
    ),
  }),
});

export const chartValuesSchema = z.strictObject({
  replicaCount: d(
    REPLICAS,
    'Webhook replicas. With 1 there is no PodDisruptionBudget (it would block every node drain).',
  ),
  image: imageSchema,
  imagePullSecrets: d(z.array(z.strictObject({ name: z.string().min(1) })), 'Pull secrets for the image.'),
  resources: d(k8sObject, 'Container resources. Your keys are merged into the default (a key set to null drops it).'),
  nodeSelector: d(stringMap, 'Pod nodeSelector.'),
  tolerations: d(k8sList, 'Pod tolerations.'),
  affinity: d(
    k8sObject,
    'Pod affinity; empty: a preferred anti-affinity on kubernetes.io/hostname (replicas on different nodes), which an affinity of yours replaces.',
  ),
  topologySpreadConstraints: d(k8sList, 'Pod topologySpreadConstraints.'),
  priorityClassName: d(z.string(), 'Pod priorityClassName (e.g. system-cluster-critical); empty: none.'),
  podDisruptionBudget: z.strictObject({
    enabled: d(z.boolean(), 'A PodDisruptionBudget (only rendered with replicaCount 2 or more).'),
    minAvailable: d(
      z.union([z.number().int().min(0), z.string().regex(/^\d+%$/)]),
      'minAvailable: a count or a percentage.',
    ),
  }),
  podAnnotations: d(stringMap, 'Annotations added to the pods.'),
  podLabels: d(stringMap, 'Labels added to the pods.'),
  podSecurityContext: d(
    k8sObject,
    'Pod securityContext (the default fits the restricted Pod Security profile). Your keys are merged into the default (a key set to null drops it).',
  ),
  securityContext: d(
    k8sObject,
    'Container securityContext. Your keys are merged into the default (a key set to null drops it).',
  ),
  webhook: webhookSchema,
  tls: tlsSchema,
  metrics: z.strictObject({
    enabled: d(z.boolean(), 'Declare the metrics port (9999) on the container and the Service.'),
    serviceMonitor: z.strictObject({
      enabled: d(z.boolean(), 'A Prometheus Operator ServiceMonitor (needs metrics.enabled and its CRD).'),
      interval: d(z.string().regex(/^(\d+(ms|s|m|h))*$/), 'Scrape interval; empty: Prometheus default.'),
      labels: d(stringMap, 'Labels added to the ServiceMonitor (for a Prometheus serviceMonitorSelector).'),
    }),
  }),
  monitor: monitorSchema,
  extraArgs: d(z.array(z.string()), 'Extra `irsa webhook serve` flags, e.g. --sts-regional-endpoint.'),
  extraEnv: d(k8sList, 'Extra container environment variables (EnvVar objects).'),
});

export type ChartValues = z.infer<typeof chartValuesSchema>;

/** The parts of a JSON Schema node the values table and values.yaml's comments read. */
export interface SchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  enum?: unknown[];
  anyOf?: SchemaNode[];
  const?: unknown;
}

/** values.schema.json: draft 2020-12, as Helm 3.18+ and 4 read it. */
export function chartJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(chartValuesSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}
