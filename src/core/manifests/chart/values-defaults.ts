/**
 * The chart's default values: the renderer's defaults (image, replicas, failure policy, TLS mode, the pod's and
 * container's security contexts, resources, affinity) read from its default rendering, so the chart's defaults
 * render what `irsa webhook manifests` prints and deploy/ holds.
 */
import { DEFAULT_ANNOTATION_PREFIX, DEFAULT_AUDIENCE, DEFAULT_TOKEN_EXPIRATION_SECONDS } from '../../defaults.js';
import { ISSUER_WATCH_DEFAULTS } from '../issuer-watch.js';
import { buildWebhookManifests, WEBHOOK_DEFAULTS, WEBHOOK_TLS_SECRET } from '../webhook.js';
import type { ChartValues } from './values-schema.js';

// biome-ignore lint/suspicious/noExplicitAny: the renderer's objects are walked by known paths
type Any = any;

/** ghcr.io/irsa-anywhere/irsa-anywhere:0.1.0 → registry, repository, tag. */
export function imageParts(image = WEBHOOK_DEFAULTS.image): { registry: string; repository: string; tag: string } {
  const [name, tag] = image.split(/:(?=[^:/]+$)/);
  const slash = name.indexOf('/');
  return { registry: name.slice(0, slash), repository: name.slice(slash + 1), tag };
}

export function chartDefaults(): ChartValues {
  const docs = buildWebhookManifests().docs.map((d) => d.object as Any);
  const pod = docs.find((o) => o.kind === 'Deployment').spec.template.spec;
  const container = pod.containers[0];
  const pdb = docs.find((o) => o.kind === 'PodDisruptionBudget');
  const { registry, repository } = imageParts();
  return {
    replicaCount: WEBHOOK_DEFAULTS.replicas,
    image: { registry, repository, tag: '', digest: '', pullPolicy: container.imagePullPolicy },
    imagePullSecrets: [],
    resources: container.resources,
    nodeSelector: {},
    tolerations: [],
    affinity: {},
    topologySpreadConstraints: [],
    priorityClassName: '',
    podDisruptionBudget: { enabled: true, minAvailable: pdb.spec.minAvailable },
    podAnnotations: {},
    podLabels: {},
    podSecurityContext: pod.securityContext,
    securityContext: container.securityContext,
    webhook: {
      failurePolicy: WEBHOOK_DEFAULTS.failurePolicy,
      namespaceSelector: {},
      objectSelector: {},
      annotationPrefix: DEFAULT_ANNOTATION_PREFIX,
      tokenAudience: DEFAULT_AUDIENCE,
      tokenExpiration: DEFAULT_TOKEN_EXPIRATION_SECONDS,
      defaultRegion: '',
      composeRoleArn: { enabled: false, accountId: '' },
    },
    tls: { mode: 'self-managed', secretName: WEBHOOK_TLS_SECRET, caBundle: '' },
    metrics: { enabled: true, serviceMonitor: { enabled: false, interval: '', labels: {} } },
    monitor: {
      enabled: false,
      issuer: '',
      intervalSeconds: ISSUER_WATCH_DEFAULTS.intervalSeconds,
      canaryRole: '',
      awsSecret: '',
      prometheusRule: { enabled: true },
    },
    extraArgs: [],
    extraEnv: [],
  };
}
